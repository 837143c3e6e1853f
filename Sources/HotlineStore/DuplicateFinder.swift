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

    public func duplicateCandidates(for t: Ticket, limit: Int = 5) async throws -> [DuplicateCandidate] {
        guard let selfId = Int64(t.id) else { return [] }
        let since = t.receivedAt.addingTimeInterval(-Self.duplicateWindow)
        var found: [Int64: DuplicateCandidate] = [:]

        if let phone = t.caller?.phone {
            let rows = try await db.client.query("""
                SELECT id, number, status, received_at, title FROM tickets
                WHERE caller_phone = \(phone) AND received_at >= \(since) AND id <> \(selfId)
                  AND status NOT IN ('answered','rejected','transferred','merged','closed','terminated')
                ORDER BY received_at DESC LIMIT 50
                """, logger: db.logger)
            for try await (id, number, status, at, title) in rows.decode((Int64, String, String, Date, String).self) {
                found[id] = DuplicateCandidate(ticketId: String(id), number: number, status: status, receivedAt: at, title: title, reasons: ["same_phone"], similarity: 0)
            }
        }

        if let region = t.regionCode {
            // PostgreSQL shortlists by trigram similarity (pg_trgm, in C) among the region's open
            // tickets of the window; only the shortlist is scored here with bigrams.
            let mine = TextSimilarity.bigrams(Self.comparableText(title: t.title, content: t.content, address: t.caller?.address))
            let text = t.title + " " + t.content
            let rows = try await db.client.query("""
                SELECT id, number, status, received_at, title, content, caller_address, category_code FROM (
                    SELECT id, number, status, received_at, title, content, caller_address, category_code
                    FROM tickets
                    WHERE region_code = \(region) AND received_at >= \(since) AND id <> \(selfId)
                      AND status NOT IN ('answered','rejected','transferred','merged','closed','terminated')
                    ORDER BY received_at DESC LIMIT \(Self.regionScanLimit)) recent
                WHERE similarity(title || ' ' || content, \(text)) >= 0.1
                ORDER BY similarity(title || ' ' || content, \(text)) DESC
                LIMIT 20
                """, logger: db.logger)
            for try await (id, number, status, at, title, content, address, category) in rows.decode((Int64, String, String, Date, String, String, String?, String?).self) {
                let theirs = TextSimilarity.bigrams(Self.comparableText(title: title, content: content, address: address))
                var score = max(TextSimilarity.dice(mine, theirs),
                                0.9 * min(TextSimilarity.containment(mine, in: theirs), TextSimilarity.containment(theirs, in: mine) + 0.3))
                if category != nil && category == t.categoryCode { score = min(1, score + 0.05) }
                guard score >= Self.similarityThreshold else { continue }
                let rounded = (score * 100).rounded() / 100
                if var existing = found[id] {
                    existing.reasons.append("similar_content")
                    existing.similarity = rounded
                    found[id] = existing
                } else {
                    found[id] = DuplicateCandidate(ticketId: String(id), number: number, status: status, receivedAt: at, title: title, reasons: ["similar_content"], similarity: rounded)
                }
            }
        }
        return found.values
            .sorted { ($0.reasons.count, $0.similarity, $0.receivedAt) > ($1.reasons.count, $1.similarity, $1.receivedAt) }
            .prefix(limit).map { $0 }
    }

    static func comparableText(title: String, content: String, address: String?) -> String {
        [title, content, address ?? ""].joined(separator: " ")
    }
}
