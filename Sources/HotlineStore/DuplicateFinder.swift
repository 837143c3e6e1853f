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

        let mine = Self.fingerprint(title: t.title, content: t.content, address: t.caller?.address)
        if let region = t.regionCode, !mine.isEmpty {
            // PostgreSQL counts the bigrams each recent open ticket of the region shares with this
            // one (stored fingerprints, intarray intersection); the score is computed here.
            let rows = try await db.client.query("""
                SELECT id, number, status, received_at, title, category_code, common, size FROM (
                    SELECT id, number, status, received_at, title, category_code,
                        icount(text_bigrams & \(mine)::int4[]) AS common, icount(text_bigrams) AS size
                    FROM tickets
                    WHERE region_code = \(region) AND received_at >= \(since) AND id <> \(selfId) AND text_bigrams IS NOT NULL
                      AND status NOT IN ('answered','rejected','transferred','merged','closed','terminated')
                    ORDER BY received_at DESC LIMIT \(Self.regionScanLimit)) recent
                WHERE common > 0
                ORDER BY common DESC
                LIMIT 50
                """, logger: db.logger)
            for try await (id, number, status, at, title, category, common, size) in rows.decode((Int64, String, String, Date, String, String?, Int32, Int32).self) {
                let s = TextSimilarity.score(common: Int(common), a: mine.count, b: Int(size))
                var score = max(s.dice, 0.9 * min(s.aInB, s.bInA + 0.3))
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

    /// What a ticket stores in `text_bigrams` and what the finder compares it with.
    public static func fingerprint(title: String, content: String, address: String?) -> [Int32] {
        TextSimilarity.fingerprint(TextSimilarity.bigrams([title, content, address ?? ""].joined(separator: " ")))
    }
}
