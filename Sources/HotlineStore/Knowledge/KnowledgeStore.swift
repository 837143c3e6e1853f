import Foundation
import HotlineCore
import PostgresNIO

/// The knowledge base: versioned entries, retirement, synonyms, and Chinese search.
public struct KnowledgeStore: Sendable {
    public let db: Database
    public let zone: ServiceClockZone
    public init(db: Database, zone: ServiceClockZone) {
        self.db = db
        self.zone = zone
    }

    static let columns = """
        e.id, e.code, v.version, e.current_version, v.title, v.question, v.answer, v.category, v.responsible_unit_id,
        v.responsible_unit_name, v.keywords, v.valid_from::text, v.valid_to::text, e.owner_unit_id, e.retired_at IS NOT NULL,
        e.answer_count, v.created_at
        """

    static func entry(_ row: PostgresRow) throws -> KnowledgeEntry {
        let (id, code, version, current, title, question, answer, category, unit, unitName, keywords, from, to, owner, retired, count, created) =
            try row.decode((Int64, String, Int32, Int32, String, String, String, String, Int64?, String, [String], String?, String?, Int64?, Bool, Int64, Date).self)
        return KnowledgeEntry(id: String(id), code: code, version: Int(version), currentVersion: Int(current), title: title, question: question,
                              answer: answer, category: category, responsibleUnitId: unit.map(String.init), responsibleUnitName: unitName,
                              keywords: keywords, validFrom: from, validTo: to, ownerUnitId: owner.map(String.init), retired: retired,
                              answerCount: Int(count), createdAt: created)
    }

    public enum Outcome: Sendable { case created, updated, unchanged }

    /// Creates the entry (version 1), or — with `upsert` — adds a version when the content differs.
    public func save(_ input: KnowledgeEntry.Input, by user: Int64?, upsert: Bool) async throws -> (KnowledgeEntry, Outcome) {
        try await checkUnits(input)
        defer { db.knowledgeIndex.invalidate() }
        do {
            return try await db.transaction { conn in
                var existing: (Int64, Int32, Bool)? = nil
                for try await row in try await conn.query("""
                    SELECT id, current_version, retired_at IS NOT NULL FROM kb_entries WHERE code = \(input.code) FOR UPDATE
                    """, logger: db.logger).decode((Int64, Int32, Bool).self) { existing = row }
                if let (id, current, _) = existing {
                    guard upsert else { throw StoreError.conflict("knowledge-base entry \(input.code) already exists") }
                    if try await sameContent(conn, id: id, version: current, input) {
                        return (try await entry(conn, id: id, version: nil)!, .unchanged)
                    }
                    return (try await addVersion(conn, id: id, input, by: user), .updated)
                }
                var id: Int64 = 0
                for try await v in try await conn.query("""
                    INSERT INTO kb_entries (code, owner_unit_id) VALUES (\(input.code), \(input.ownerUnitId ?? input.responsibleUnitId)) RETURNING id
                    """, logger: db.logger).decode(Int64.self) { id = v }
                try await insertVersion(conn, id: id, version: 1, input, by: user, searchable: true)
                return (try await entry(conn, id: id, version: nil)!, .created)
            }
        } catch let e where SQLFailure(e)?.isUniqueViolation == true {
            throw StoreError.conflict("knowledge-base entry \(input.code) already exists")
        }
    }

    /// PUT: every edit is a new version; old versions stay readable. A retired entry stays retired.
    public func update(id: Int64, _ input: KnowledgeEntry.Input, by user: Int64?) async throws -> KnowledgeEntry {
        try await checkUnits(input)
        defer { db.knowledgeIndex.invalidate() }
        return try await db.transaction { conn in
            var found = false
            for try await _ in try await conn.query("SELECT 1 FROM kb_entries WHERE id = \(id) FOR UPDATE", logger: db.logger).decode(Int.self) { found = true }
            guard found else { throw StoreError.notFound("knowledge-base entry \(id)") }
            return try await addVersion(conn, id: id, input, by: user)
        }
    }

    private func addVersion(_ conn: PostgresConnection, id: Int64, _ input: KnowledgeEntry.Input, by user: Int64?) async throws -> KnowledgeEntry {
        var next: Int32 = 1, retired = false
        for try await (v, r) in try await conn.query("""
            UPDATE kb_entries SET current_version = current_version + 1, updated_at = now(),
                owner_unit_id = COALESCE(\(input.ownerUnitId), owner_unit_id)
            WHERE id = \(id) RETURNING current_version, retired_at IS NOT NULL
            """, logger: db.logger).decode((Int32, Bool).self) { next = v; retired = r }
        try await conn.query("UPDATE kb_versions SET searchable = false WHERE entry_id = \(id) AND searchable", logger: db.logger)
        try await insertVersion(conn, id: id, version: Int(next), input, by: user, searchable: !retired)
        return try await entry(conn, id: id, version: nil)!
    }

    private func insertVersion(_ conn: PostgresConnection, id: Int64, version: Int, _ i: KnowledgeEntry.Input, by user: Int64?, searchable: Bool) async throws {
        try await conn.query("""
            INSERT INTO kb_versions (entry_id, version, title, question, answer, category, responsible_unit_id, responsible_unit_name,
                keywords, valid_from, valid_to, created_by, searchable)
            VALUES (\(id), \(version), \(i.title), \(i.question), \(i.answer), \(i.category), \(i.responsibleUnitId), \(i.responsibleUnitName),
                \(i.keywords), \(i.validFrom?.description)::date, \(i.validTo?.description)::date, \(user), \(searchable))
            """, logger: db.logger)
    }

    private func sameContent(_ conn: PostgresConnection, id: Int64, version: Int32, _ i: KnowledgeEntry.Input) async throws -> Bool {
        for try await same in try await conn.query("""
            SELECT (title, question, answer, category, responsible_unit_id, responsible_unit_name, keywords, valid_from, valid_to)
                IS NOT DISTINCT FROM (\(i.title), \(i.question), \(i.answer), \(i.category), \(i.responsibleUnitId), \(i.responsibleUnitName),
                \(i.keywords), \(i.validFrom?.description)::date, \(i.validTo?.description)::date)
            FROM kb_versions WHERE entry_id = \(id) AND version = \(version)
            """, logger: db.logger).decode(Bool.self) { return same }
        return false
    }

    private func checkUnits(_ i: KnowledgeEntry.Input) async throws {
        var errors: [FieldError] = []
        for (field, unit) in [("responsible_unit_id", i.responsibleUnitId), ("owner_unit_id", i.ownerUnitId)] {
            guard let unit else { continue }
            var ok = false
            for try await _ in try await db.client.query("SELECT 1 FROM units WHERE id = \(unit)", logger: db.logger).decode(Int.self) { ok = true }
            if !ok { errors.append(FieldError(field, "unknown unit \(unit)")) }
        }
        if !errors.isEmpty { throw StoreError.invalid(errors) }
    }

    /// The entry at `version` (nil: current), whether retired or not.
    public func entry(id: Int64, version: Int? = nil) async throws -> KnowledgeEntry? {
        try await db.client.withConnection { try await entry($0, id: id, version: version) }
    }

    func entry(_ conn: PostgresConnection, id: Int64, version: Int?) async throws -> KnowledgeEntry? {
        // Versions are int4 in the database; a larger number cannot exist.
        guard version.map({ Int32(exactly: $0) != nil }) ?? true else { return nil }
        let v = version.map { Int32($0) }
        for try await row in try await conn.query("""
            SELECT \(unescaped: Self.columns) FROM kb_entries e JOIN kb_versions v ON v.entry_id = e.id
            WHERE e.id = \(id) AND v.version = COALESCE(\(v), e.current_version)
            """, logger: db.logger) { return try Self.entry(row) }
        return nil
    }

    public func versions(id: Int64) async throws -> [KnowledgeEntry] {
        var out: [KnowledgeEntry] = []
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM kb_entries e JOIN kb_versions v ON v.entry_id = e.id
            WHERE e.id = \(id) ORDER BY v.version
            """, logger: db.logger) { out.append(try Self.entry(row)) }
        return out
    }

    /// Retire (never erase): the entry leaves search; its versions stay readable.
    public func retire(id: Int64) async throws -> KnowledgeEntry {
        defer { db.knowledgeIndex.invalidate() }
        return try await db.transaction { conn in
            var found = false
            for try await _ in try await conn.query("""
                UPDATE kb_entries SET retired_at = COALESCE(retired_at, now()), updated_at = now() WHERE id = \(id) RETURNING 1
                """, logger: db.logger).decode(Int.self) { found = true }
            guard found else { throw StoreError.notFound("knowledge-base entry \(id)") }
            try await conn.query("UPDATE kb_versions SET searchable = false WHERE entry_id = \(id) AND searchable", logger: db.logger)
            return try await entry(conn, id: id, version: nil)!
        }
    }

    // MARK: synonyms

    public struct Synonym: Sendable, Codable, Equatable {
        public var id: String
        public var term: String
        public var canonical: String
        public var source: SynonymTable.Source
    }

    /// The table by canonical then term; with `source`, only that source's pairs.
    public func synonyms(source: SynonymTable.Source? = nil) async throws -> [Synonym] {
        var out: [Synonym] = []
        for try await (id, t, c, s) in try await db.client.query("""
            SELECT id, term, canonical, source FROM kb_synonyms WHERE \(source?.rawValue)::text IS NULL OR source = \(source?.rawValue)
            ORDER BY canonical, term
            """, logger: db.logger).decode((Int64, String, String, String).self) {
            out.append(Synonym(id: String(id), term: t, canonical: c, source: SynonymTable.Source(rawValue: s) ?? .curated))
        }
        return out
    }

    /// Adds the pair. A pair already present is unchanged — unless it came from the thesaurus and
    /// is now added as curated, which promotes it (an admin's word outranks the dataset's).
    /// Nothing is written when nothing changes, so re-importing a file does not make every
    /// process re-read the table.
    public func addSynonym(term: String, canonical: String, source: SynonymTable.Source = .curated, by user: Int64?) async throws -> (Synonym, Outcome) {
        func made(_ id: Int64, _ s: SynonymTable.Source) -> Synonym { Synonym(id: String(id), term: term, canonical: canonical, source: s) }
        for try await (id, was) in try await db.client.query(
            "SELECT id, source FROM kb_synonyms WHERE term = \(term) AND canonical = \(canonical)", logger: db.logger).decode((Int64, String).self) {
            guard was == SynonymTable.Source.thesaurus.rawValue, source == .curated else { return (made(id, SynonymTable.Source(rawValue: was) ?? .curated), .unchanged) }
        }
        defer { db.knowledgeIndex.invalidate() }
        for try await (id, inserted) in try await db.client.query("""
            INSERT INTO kb_synonyms (term, canonical, source, created_by) VALUES (\(term), \(canonical), \(source.rawValue), \(user))
            ON CONFLICT (term, canonical) DO UPDATE SET source = 'curated' WHERE EXCLUDED.source = 'curated'
            RETURNING id, xmax = 0
            """, logger: db.logger).decode((Int64, Bool).self) {
            return (made(id, source), inserted ? .created : .updated)
        }
        // A concurrent add of the same pair won (DO UPDATE's WHERE was false): it is there now.
        for try await (id, was) in try await db.client.query(
            "SELECT id, source FROM kb_synonyms WHERE term = \(term) AND canonical = \(canonical)", logger: db.logger).decode((Int64, String).self) {
            return (made(id, SynonymTable.Source(rawValue: was) ?? .curated), .unchanged)
        }
        throw StoreError.conflict("synonym not saved")
    }

    public func deleteSynonym(id: Int64) async throws -> Bool {
        defer { db.knowledgeIndex.invalidate() }
        for try await _ in try await db.client.query("DELETE FROM kb_synonyms WHERE id = \(id) RETURNING 1", logger: db.logger).decode(Int.self) { return true }
        return false
    }

    // MARK: search

    /// hit@1 and hit@3 of search over caller-style queries and the entry code each should find;
    /// `misses` lists the queries whose entry was not first, with what came instead.
    public struct Relevance: Sendable {
        public var queries = 0, hit1 = 0, hit3 = 0
        public var misses: [(query: String, expected: String, got: [Hit])] = []
        public var atOne: Double { queries == 0 ? 0 : Double(hit1) / Double(queries) }
        public var atThree: Double { queries == 0 ? 0 : Double(hit3) / Double(queries) }
    }

    /// A relevance set: CSV with columns query,expected (the entry code).
    public static func relevanceSet(csv: String) throws -> [(String, String)] {
        let table = try CSVTable(text: csv, required: ["query", "expected"])
        return table.rows.map { let v = table.values($0); return (v["query"]!, v["expected"]!) }
    }

    public func relevance(_ set: [(String, String)], now: Date = Date()) async throws -> Relevance {
        var r = Relevance()
        for (query, expected) in set {
            let hits = try await search(query, limit: 3, now: now)
            let codes = hits.map(\.entry.code)
            r.queries += 1
            if codes.first == expected { r.hit1 += 1 } else { r.misses.append((query, expected, hits)) }
            if codes.contains(expected) { r.hit3 += 1 }
        }
        return r
    }

    /// A learning set: CSV with columns title,content,expected (the entry code that answered the call).
    public static func learningSet(csv: String) throws -> [(title: String, content: String, expected: String)] {
        let table = try CSVTable(text: csv, required: ["title", "content", "expected"])
        return table.rows.map { let v = table.values($0); return (v["title"]!, v["content"]!, v["expected"]!) }
    }

    /// Replays answered calls the way the hotline takes them: each is registered on the 12345 line
    /// from its own caller and answered directly with its entry by `agent` (so the entry learns
    /// its words through the same verb and transaction as on a real call). Answers how many taught.
    public func replay(_ calls: [(title: String, content: String, expected: String)], agent: Principal,
                       tickets: TicketStore, workflow: TicketWorkflow) async throws -> Int {
        var codes: [String: Int64] = [:]
        for try await (code, id) in try await db.client.query("SELECT code, id FROM kb_entries WHERE retired_at IS NULL", logger: db.logger)
            .decode((String, Int64).self) { codes[code] = id }
        var taught = 0
        for (i, call) in calls.enumerated() {
            guard let entry = codes[call.expected] else { continue }
            var r = TicketIntake.Raw()
            r.hotlineNumber = "12345"; r.channel = "phone"; r.nature = "consult"; r.title = call.title; r.content = call.content
            r.caller = .init(phone: String(format: "139%08d", 10_000_000 + i))
            let created = try await tickets.create(try TicketIntake.validate(r, now: Date()), actor: agent, idempotencyKey: nil, source: .api)
            guard let id = Int64(created.ticket.id) else { continue }
            try await workflow.apply(.answer(kbEntryId: String(entry), answer: ""), to: id, by: agent, ifMatch: nil)
            taught += 1
        }
        return taught
    }

    /// Loads or updates this process's search index now, if due.
    public func refreshIndex() async throws {
        try await db.knowledgeIndex.read(db) { _, _ in }
    }

    public struct Hit: Sendable, Codable {
        public var entry: KnowledgeEntry
        public var score: Double
        public var highlight: String
    }

    /// An intake's suggestion: the entry as this process's index holds it.
    public struct Suggestion: Sendable {
        public var entryId: String
        public var summary: KnowledgeIndexCache.Summary
        public var score: Double
        public var highlight: String
    }

    /// The intake's suggestions, from memory only (the ranking and what it shows come from the same
    /// refresh of the index, so an entry edited elsewhere shows its new version within the refresh
    /// interval, as its ranking does). No query: an intake's answer waits on no extra round trip.
    public func suggest(_ text: String, limit: Int, now: Date = Date()) async throws -> [Suggestion] {
        let today = zone.localDay(of: now).description
        let (ranked, extra, shown) = try await db.knowledgeIndex.read(db) { index, synonyms, summaries in
            let (ranked, extra) = Self.rank(text, index, synonyms, today: today, limit: limit)
            return (ranked, extra, ranked.compactMap { r in summaries[r.id].map { (r, $0) } })
        }
        guard !ranked.isEmpty else { return [] }
        let highlighter = ChineseText.Highlighter(query: text, extra: extra)
        return shown.map { r, summary in
            Suggestion(entryId: String(r.id), summary: summary, score: Self.rounded(r.score),
                       highlight: Self.highlight(highlighter, question: summary.question, answer: summary.answer))
        }
    }

    /// The ranking both `search` and `suggest` use: the text's terms, its synonyms' expansions.
    private static func rank(_ text: String, _ index: KnowledgeIndex, _ synonyms: SynonymTable, today: String,
                             limit: Int) -> ([KnowledgeIndex.Hit], [String]) {
        let (curated, thesaurus) = synonyms.expansionsBySource(for: text)
        let said = ChineseText.queryKeys(text)
        return (index.search(termKeys: said.terms, expansionKeys: ChineseText.queryTermKeys(curated.joined(separator: " ")),
                             thesaurusKeys: ChineseText.queryTermKeys(thesaurus.joined(separator: " ")), characterKeys: said.characters,
                             phrases: [text] + curated, today: today, limit: limit), curated + thesaurus)
    }

    private static func rounded(_ score: Double) -> Double { (score * 1000).rounded() / 1000 }

    private static func highlight(_ h: ChineseText.Highlighter, question: String, answer: String) -> String {
        h.highlight(question.isEmpty ? answer : question + " " + answer)
    }

    /// Ranked entries for a caller's words: current versions of entries that are not retired and
    /// valid today (Asia/Shanghai). Ranking runs on this process's in-memory index
    /// (KnowledgeIndex, BM25F over bigrams); the winners' rows are then read from PostgreSQL, which
    /// checks once more that they are still current, searchable and valid.
    public func search(_ text: String, limit: Int, now: Date = Date()) async throws -> [Hit] {
        let today = zone.localDay(of: now).description
        let (ranked, extra) = try await db.knowledgeIndex.read(db) { index, synonyms in
            Self.rank(text, index, synonyms, today: today, limit: limit)
        }
        guard !ranked.isEmpty else { return [] }
        var rows: [Int64: KnowledgeEntry] = [:]
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM kb_entries e JOIN kb_versions v ON v.entry_id = e.id AND v.version = e.current_version
            WHERE e.id = ANY(\(ranked.map(\.id))) AND v.searchable AND e.retired_at IS NULL
              AND (v.valid_from IS NULL OR v.valid_from <= \(today)::date)
              AND (v.valid_to IS NULL OR v.valid_to >= \(today)::date)
            """, logger: db.logger) {
            let entry = try Self.entry(row)
            rows[Int64(entry.id)!] = entry
        }
        let highlighter = ChineseText.Highlighter(query: text, extra: extra)
        return ranked.compactMap { r in
            guard let entry = rows[r.id] else { return nil }
            return Hit(entry: entry, score: Self.rounded(r.score), highlight: Self.highlight(highlighter, question: entry.question, answer: entry.answer))
        }
    }
}
