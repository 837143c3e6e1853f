import Foundation
import HotlineCore
import PostgresNIO

/// 并单 candidates: open tickets of the last 7 days from the same phone, or in the same region
/// with very similar text (the same broken street lamp reported on 12345 and on 12319).
extension TicketStore {
    public static let duplicateWindow: TimeInterval = 7 * 86400
    /// Bigram similarity above which two reports in one region are taken to be the same problem.
    public static let similarityThreshold = 0.45
    /// How many recent open tickets of a region are compared at most.
    static let regionScanLimit = 200

    /// `fingerprint`: the ticket's stored `text_bigrams` when the caller has it (intake), else computed.
    public func duplicateCandidates(for t: Ticket, fingerprint: [Int32]? = nil, limit: Int = 5) async throws -> [DuplicateCandidate] {
        guard let selfId = Int64(t.id) else { return [] }
        let since = t.receivedAt.addingTimeInterval(-Self.duplicateWindow)
        let mine = fingerprint ?? Self.fingerprint(title: t.title, content: t.content, address: t.caller?.address)
        let phone = t.caller?.phone
        let region = mine.isEmpty ? nil : t.regionCode
        guard phone != nil || region != nil else { return [] }
        // One round trip, a prepared statement (IntakeSQL.Duplicates).
        let rows = try await db.client.execute(IntakeSQL.Duplicates(phone: phone, since: since, excluding: selfId, region: region, fingerprint: mine),
                                               logger: db.logger)
        var found: [Int64: DuplicateCandidate] = [:]
        for try await row in rows {
            let id = try row[0].decode(Int64.self)
            let samePhone = try row[6].decode(Bool.self)
            var score = 0.0
            if !samePhone {
                guard let common = try row[7].decode(Int32?.self), let size = try row[8].decode(Int32?.self) else { continue }
                let s = TextSimilarity.score(common: Int(common), a: mine.count, b: Int(size))
                score = max(s.dice, 0.9 * min(s.aInB, s.bInA + 0.3))
                if let category = try row[5].decode(String?.self), category == t.categoryCode { score = min(1, score + 0.05) }
                guard score >= Self.similarityThreshold else { continue }
            }
            var candidate = try found[id]
                ?? DuplicateCandidate(ticketId: String(id), number: row[1].decode(String.self), status: row[2].decode(String.self),
                                      receivedAt: row[3].decode(Date.self), title: row[4].decode(String.self), reasons: [], similarity: 0)
            if samePhone {
                candidate.reasons.insert("same_phone", at: 0)
            } else {
                candidate.reasons.append("similar_content")
                candidate.similarity = (score * 100).rounded() / 100
            }
            found[id] = candidate
        }
        return found.values
            .sorted { ($0.reasons.count, $0.similarity, $0.receivedAt) > ($1.reasons.count, $1.similarity, $1.receivedAt) }
            .prefix(limit).map { $0 }
    }

    /// What a ticket stores in `text_bigrams` and what the finder compares it with.
    public static func fingerprint(title: String, content: String, address: String?) -> [Int32] {
        TextSimilarity.fingerprint(TextSimilarity.bigrams([title, content, address ?? ""].joined(separator: " ")))
    }
}
