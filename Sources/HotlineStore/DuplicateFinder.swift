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
        // One round trip: the same caller's open tickets, and the region's recent open tickets with
        // the number of bigrams each shares with this one (stored fingerprints, intarray
        // intersection; the score is computed here). A branch whose parameter is NULL is planned away.
        let rows = try await db.client.query("""
            (SELECT id, number, status, received_at, title, category_code, true AS same_phone, NULL::int4 AS common, NULL::int4 AS size
             FROM tickets
             WHERE \(phone)::text IS NOT NULL AND caller_phone = \(phone) AND received_at >= \(since) AND id <> \(selfId)
               AND status NOT IN ('answered','rejected','transferred','merged','closed','terminated')
             ORDER BY received_at DESC LIMIT 50)
            UNION ALL
            (SELECT id, number, status, received_at, title, category_code, false, common, size FROM (
                SELECT id, number, status, received_at, title, category_code,
                    icount(text_bigrams & \(mine)::int4[]) AS common, icount(text_bigrams) AS size
                FROM tickets
                WHERE \(region)::text IS NOT NULL AND region_code = \(region) AND received_at >= \(since) AND id <> \(selfId)
                  AND text_bigrams IS NOT NULL AND status NOT IN ('answered','rejected','transferred','merged','closed','terminated')
                ORDER BY received_at DESC LIMIT \(Self.regionScanLimit)) recent
             WHERE common > 0
             ORDER BY common DESC LIMIT 50)
            """, logger: db.logger)
        var found: [Int64: DuplicateCandidate] = [:]
        for try await (id, number, status, at, title, category, samePhone, common, size)
            in rows.decode((Int64, String, String, Date, String, String?, Bool, Int32?, Int32?).self) {
            var candidate = found[id]
                ?? DuplicateCandidate(ticketId: String(id), number: number, status: status, receivedAt: at, title: title, reasons: [], similarity: 0)
            if samePhone {
                candidate.reasons.insert("same_phone", at: 0)
            } else {
                guard let common, let size else { continue }
                let s = TextSimilarity.score(common: Int(common), a: mine.count, b: Int(size))
                var score = max(s.dice, 0.9 * min(s.aInB, s.bInA + 0.3))
                if category != nil && category == t.categoryCode { score = min(1, score + 0.05) }
                guard score >= Self.similarityThreshold else { continue }
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
