import Foundation
import HotlineCore
import PostgresNIO

/// Learned phrasings and the search log, in PostgreSQL. What is learned and how near-duplicates
/// merge is `LearnedPhrasing` (HotlineCore); this writes it in the verb's own transaction, so a
/// direct answer and what it taught commit together or not at all.
public struct KnowledgeLearning: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    /// The ticket's words teach `entry` (a direct answer with it, or its suggestion taken), and the
    /// searches of `user` that offered it in the last half hour count as used.
    func learn(_ conn: PostgresConnection, entry: Int64, ticket: Int64, user: Int64?, at now: Date) async throws {
        if let user {
            try await conn.query("""
                UPDATE kb_search_log SET used_entry_id = \(entry), used_at = \(now)
                WHERE user_id = \(user) AND used_entry_id IS NULL AND at >= \(now.addingTimeInterval(-KnowledgeGaps.useWindow))
                  AND \(entry) = ANY(result_ids)
                """, logger: db.logger)
        }
        var ticketWords: (String, String, String?, String?, String?)? = nil
        for try await row in try await conn.query("""
            SELECT title, content, caller_name, caller_phone, caller_address FROM tickets WHERE id = \(ticket)
            """, logger: db.logger).decode((String, String, String?, String?, String?).self) { ticketWords = row }
        guard let (title, content, name, phone, address) = ticketWords,
              let text = LearnedPhrasing.text(title: title, content: content,
                                              known: .init(name: name, phone: phone, address: address)) else { return }
        // The entry's row serialises learning (two answers with one entry at once).
        var found = false
        for try await _ in try await conn.query("SELECT 1 FROM kb_entries WHERE id = \(entry) FOR UPDATE", logger: db.logger)
            .decode(Int.self) { found = true }
        guard found else { return }
        var taught = false
        for try await t in try await conn.query("""
            SELECT EXISTS (SELECT 1 FROM kb_phrasing_sources WHERE entry_id = \(entry) AND ticket_id = \(ticket))
                OR (\(phone)::text IS NOT NULL AND EXISTS (
                    SELECT 1 FROM kb_phrasing_sources s JOIN tickets t ON t.id = s.ticket_id
                    WHERE s.entry_id = \(entry) AND t.caller_phone = \(phone)))
            """, logger: db.logger).decode(Bool.self) { taught = t }
        var existing: [LearnedPhrasing.Existing] = []
        for try await (id, fp, weight, removed, learnedAt) in try await conn.query("""
            SELECT id, fingerprint, weight, removed_at IS NOT NULL, learned_at FROM kb_phrasings WHERE entry_id = \(entry)
            """, logger: db.logger).decode((Int64, [Int32], Int32, Bool, Date).self) {
            existing.append(.init(id: id, fingerprint: fp, weight: Int(weight), removed: removed, learnedAt: learnedAt))
        }
        let fingerprint = LearnedPhrasing.fingerprint(text)
        switch LearnedPhrasing.decide(fingerprint, existing: existing, callerTaught: taught) {
        case .skip:
            return
        case .merge(let id):
            try await conn.query("UPDATE kb_phrasings SET weight = weight + 1, last_learned_at = \(now) WHERE id = \(id)", logger: db.logger)
            try await source(conn, phrasing: id, ticket: ticket, entry: entry)
        case .add(let displacing):
            if let old = displacing {
                try await conn.query("DELETE FROM kb_phrasing_sources WHERE phrasing_id = \(old)", logger: db.logger)
                try await conn.query("DELETE FROM kb_phrasings WHERE id = \(old)", logger: db.logger)
            }
            var id: Int64 = 0
            for try await v in try await conn.query("""
                INSERT INTO kb_phrasings (entry_id, text, fingerprint, learned_at, last_learned_at)
                VALUES (\(entry), \(text), \(fingerprint), \(now), \(now)) RETURNING id
                """, logger: db.logger).decode(Int64.self) { id = v }
            try await source(conn, phrasing: id, ticket: ticket, entry: entry)
            try await conn.query("UPDATE kb_entries SET phrasings_version = phrasings_version + 1 WHERE id = \(entry)", logger: db.logger)
            db.knowledgeIndex.invalidate()
        }
    }

    private func source(_ conn: PostgresConnection, phrasing: Int64, ticket: Int64, entry: Int64) async throws {
        try await conn.query("""
            INSERT INTO kb_phrasing_sources (phrasing_id, ticket_id, entry_id) VALUES (\(phrasing), \(ticket), \(entry))
            ON CONFLICT DO NOTHING
            """, logger: db.logger)
    }

    public struct Phrasing: Sendable, Codable, Equatable {
        public var id: String
        public var entryId: String
        public var text: String
        /// How many calls said it this way.
        public var weight: Int
        public var learnedAt: Date
        public var lastLearnedAt: Date
    }

    /// What the entry learned (not removed), most recent first; nil when the entry does not exist.
    public func phrasings(entry: Int64) async throws -> [Phrasing]? {
        var exists = false
        for try await _ in try await db.client.query("SELECT 1 FROM kb_entries WHERE id = \(entry)", logger: db.logger).decode(Int.self) { exists = true }
        guard exists else { return nil }
        var out: [Phrasing] = []
        for try await (id, text, weight, at, last) in try await db.client.query("""
            SELECT id, text, weight, learned_at, last_learned_at FROM kb_phrasings
            WHERE entry_id = \(entry) AND removed_at IS NULL ORDER BY id DESC
            """, logger: db.logger).decode((Int64, String, Int32, Date, Date).self) {
            out.append(Phrasing(id: String(id), entryId: String(entry), text: text, weight: Int(weight), learnedAt: at, lastLearnedAt: last))
        }
        return out
    }

    /// An owner's removal: the phrasing leaves search at once (every instance within its refresh)
    /// and its words are not learned again. False when there is no such live phrasing.
    public func remove(entry: Int64, phrasing: Int64, by user: Int64?) async throws -> Bool {
        defer { db.knowledgeIndex.invalidate() }
        return try await db.transaction { conn in
            var removed = false
            for try await _ in try await conn.query("""
                UPDATE kb_phrasings SET removed_at = now(), removed_by = \(user)
                WHERE id = \(phrasing) AND entry_id = \(entry) AND removed_at IS NULL RETURNING 1
                """, logger: db.logger).decode(Int.self) { removed = true }
            if removed {
                try await conn.query("UPDATE kb_entries SET phrasings_version = phrasings_version + 1 WHERE id = \(entry)", logger: db.logger)
            }
            return removed
        }
    }

    // MARK: the search log (知识盲区)

    /// Logs an agent's search, scrubbed of personal data: whatever looks personal, and the callers
    /// of the tickets this agent registered in the last two hours (the call on the line now, whose
    /// name the agent may have typed).
    public func logSearch(_ query: String, user: Int64?, results: [Int64], topScore: Double?, at now: Date) async throws {
        var scrubbed = PersonalData.scrub(query, greedy: true)
        if let user {
            for try await (name, phone, address) in try await db.client.query("""
                SELECT caller_name, caller_phone, caller_address FROM tickets
                WHERE received_at >= \(now.addingTimeInterval(-7200)) AND created_by = \(user) AND NOT anonymous
                ORDER BY received_at DESC LIMIT 20
                """, logger: db.logger).decode((String?, String?, String?).self) {
                scrubbed = PersonalData.scrub(scrubbed, known: .init(name: name, phone: phone, address: address), greedy: true)
            }
        }
        guard !scrubbed.isEmpty else { return }
        try await db.client.query("""
            INSERT INTO kb_search_log (at, user_id, query, result_ids, top_score)
            VALUES (\(now), \(user), \(String(scrubbed.prefix(500))), \(results), \(topScore))
            """, logger: db.logger)
    }

    /// Gaps among the searches from `from` to `to` (settled ones: a search younger than the use
    /// window may still be used).
    public func gaps(from: Date, to: Date, now: Date, limit: Int) async throws -> (gaps: [KnowledgeGaps.Gap], searches: Int) {
        let settledBefore = min(to, now.addingTimeInterval(-KnowledgeGaps.useWindow))
        var searches: [KnowledgeGaps.Search] = []
        for try await (query, at, top, used) in try await db.client.query("""
            SELECT query, at, top_score, used_entry_id IS NOT NULL FROM kb_search_log
            WHERE at >= \(from) AND at <= \(to) AND (at < \(settledBefore) OR used_entry_id IS NOT NULL)
            ORDER BY at LIMIT 50000
            """, logger: db.logger).decode((String, Date, Double?, Bool).self) {
            searches.append(.init(query: query, at: at, topScore: top, used: used))
        }
        return (KnowledgeGaps.group(searches, limit: limit), searches.count)
    }
}
