import Foundation
import HotlineCore
import Logging
import Synchronization
import PostgresNIO

/// One process's copy of the knowledge-base search index and synonym table, kept current from
/// PostgreSQL. The first search loads every searchable entry; later searches first apply what
/// changed (entries stamped by migration 0009) when the last look is older than
/// `refreshInterval`, or at once after this process wrote to the knowledge base. Other
/// instances' edits therefore show within `refreshInterval` (1 s by default).
public final class KnowledgeIndexCache: @unchecked Sendable {
    private let lock = ReadWriteLock()
    private var index = KnowledgeIndex()
    private var synonyms = SynonymTable()
    /// `kb_synonyms_stamp.version` the table was read at (migration 0020): the pairs are read
    /// again only when it moved.
    private var synonymsVersion: Int64?
    /// What an intake's suggestions show of each indexed entry, so they need no query.
    private var summaries: [Int64: Summary] = [:]
    private let sync: Sync
    public let parameters: KnowledgeIndex.Parameters
    public var refreshInterval: Duration { sync.interval }

    public init(refreshInterval: Duration = .seconds(1), parameters: KnowledgeIndex.Parameters = .init()) {
        self.parameters = parameters
        self.index = KnowledgeIndex(parameters: parameters)
        self.sync = Sync(interval: refreshInterval)
    }

    /// Makes the next search read the changes first (after this process wrote).
    public func invalidate() { sync.invalidate() }

    /// An indexed entry's current version as a suggestion shows it.
    public struct Summary: Sendable {
        public var code: String
        public var version: Int
        public var title: String
        public var question: String
        public var answer: String
        public var responsibleUnitId: String?
    }

    /// Brings the index up to date if it is due, then runs `body` on it under the read lock.
    func read<R>(_ db: Database, _ body: (KnowledgeIndex, SynonymTable) -> R) async throws -> R {
        try await read(db) { index, synonyms, _ in body(index, synonyms) }
    }

    func read<R>(_ db: Database, _ body: (KnowledgeIndex, SynonymTable, [Int64: Summary]) -> R) async throws -> R {
        try await sync.ensureFresh { last in try await self.refresh(db, since: last) }
        return lock.reading { body(index, synonyms, summaries) }
    }

    public var stats: (entries: Int, terms: Int, postings: Int) {
        lock.reading { (index.count, index.termCount, index.postingCount) }
    }

    /// The whole synonym table, curated pairs first (read after the stamp: a change in between
    /// is read now and once more next time).
    private static func synonyms(_ db: Database) async throws -> SynonymTable {
        var curated: [(String, String)] = [], thesaurus: [(String, String)] = []
        for try await (term, canonical, source) in try await db.client.query(
            "SELECT term, canonical, source FROM kb_synonyms ORDER BY id", logger: db.logger).decode((String, String, String).self) {
            if source == SynonymTable.Source.thesaurus.rawValue { thesaurus.append((term, canonical)) } else { curated.append((term, canonical)) }
        }
        return SynonymTable(curated, thesaurus: thesaurus)
    }

    /// Reads entries changed since `since` (nil: all) and the synonym table; returns the xmin to
    /// read from next time.
    private func refresh(_ db: Database, since: String?) async throws -> String {
        let started = ContinuousClock.now
        var xmin = since ?? "0"
        // A full load is cut on other cores while the rows are still being read.
        let loader = since == nil ? KnowledgeIndex.Loader(parameters: parameters) : nil
        var docs: [KnowledgeIndex.Document] = []
        var loaded = 0
        var shown: [Int64: Summary] = [:]
        var gone: [Int64] = []
        // An entry's learned phrasings are one text (their order means nothing to term weights).
        // A full load aggregates them in one pass joined by entry (0.22 s of PostgreSQL at 500,000
        // phrasings, against 0.65 s for a subquery per entry); a refresh reads few entries, so
        // each of them runs its own subquery there.
        var q = StatementBuilder()
        q.sql("""
            WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
                (SELECT version FROM kb_synonyms_stamp) AS synonyms_version)
            SELECT s.xmin, s.synonyms_version, c.id, c.live, c.title, c.keywords, c.question, c.facets, c.answer,
                c.valid_from, c.valid_to, c.code, c.version, c.responsible_unit_id, c.learned
            FROM s LEFT JOIN (
                SELECT e.id, e.retired_at IS NULL AND v.searchable AS live, v.title, array_to_string(v.keywords, ' ') AS keywords,
                    v.question, concat_ws(' ', v.category, v.responsible_unit_name) AS facets,
                    v.answer, v.valid_from::text, v.valid_to::text, e.code, v.version, v.responsible_unit_id,
            """)
        if let since {
            q.sql("""
                    (SELECT string_agg(p.text, ' ') FROM kb_phrasings p WHERE p.entry_id = e.id AND p.removed_at IS NULL) AS learned
                FROM kb_entries e JOIN kb_versions v ON v.entry_id = e.id AND v.version = e.current_version
                WHERE e.changed_xid >= 
                """)
            q.value(since); q.sql("::xid8) c ON true")
        } else {
            q.sql("""
                    p.learned
                FROM kb_entries e JOIN kb_versions v ON v.entry_id = e.id AND v.version = e.current_version
                LEFT JOIN (SELECT entry_id, string_agg(text, ' ') AS learned FROM kb_phrasings
                           WHERE removed_at IS NULL GROUP BY entry_id) p ON p.entry_id = e.id) c ON true
                """)
        }
        let rows = try await db.client.query(q.query, logger: db.logger)
        var stamp: Int64 = 0
        for try await row in rows {
            // Keywords joined and category with unit in SQL: two text columns fewer to decode per entry.
            let (x, synonymsAt, id, live, title, keywords, question, facets, answer, from, to, code, version, unitId, learned) =
                try row.decode((String, Int64, Int64?, Bool?, String?, String?, String?, String?, String?, String?, String?,
                                String?, Int32?, Int64?, String?).self)
            xmin = x
            stamp = synonymsAt
            guard let id else { continue }
            if live == true {
                shown[id] = Summary(code: code ?? "", version: Int(version ?? 0), title: title ?? "", question: question ?? "",
                                    answer: answer ?? "", responsibleUnitId: unitId.map(String.init))
                let doc = KnowledgeIndex.Document(
                    id: id, title: (title ?? "") + " " + (keywords ?? ""), question: question ?? "",
                    facets: facets ?? "", answer: answer ?? "", validFrom: from, validTo: to,
                    learned: learned ?? "")
                if let loader { loader.add(doc); loaded += 1 } else { docs.append(doc) }
            } else {
                gone.append(id)
            }
        }
        let table: SynonymTable? = lock.reading { synonymsVersion } == stamp ? nil : try await Self.synonyms(db)
        if let loader {
            let read = ContinuousClock.now
            let fresh = loader.finish()
            lock.writing { index = fresh; summaries = shown; if let table { synonyms = table; synonymsVersion = stamp } }
            db.logger.info("knowledge-base index loaded", metadata: [
                "entries": "\(loaded)", "elapsed": "\(ContinuousClock.now - started)", "read": "\(read - started)"])
        } else {
            lock.writing {
                for id in gone { index.remove(id: id); summaries[id] = nil }
                for d in docs { index.upsert(d) }
                summaries.merge(shown) { _, new in new }
                if let table { synonyms = table; synonymsVersion = stamp }
            }
        }
        return xmin
    }

    /// Single-flight refresh: concurrent searches wait for the one read in progress; a write
    /// made after that read began bumps the generation, and the waiting search reads again.
    final class Sync: Sendable {
        struct State {
            var xmin: String?
            var checked: ContinuousClock.Instant?
            var generation = 0
            var running: Task<Void, Error>?
        }
        let interval: Duration
        let state = Mutex(State())

        init(interval: Duration) { self.interval = interval }

        func invalidate() {
            state.withLock { $0.checked = nil; $0.generation += 1 }
        }

        func ensureFresh(_ refresh: @escaping @Sendable (String?) async throws -> String) async throws {
            while true {
                let task: Task<Void, Error>? = state.withLock { s in
                    let now = ContinuousClock.now
                    if let checked = s.checked, s.xmin != nil, now - checked < interval { return nil }
                    if s.running == nil {
                        let since = s.xmin, gen = s.generation
                        s.running = Task {
                            do {
                                let next = try await refresh(since)
                                self.state.withLock { s in
                                    s.running = nil
                                    s.xmin = next
                                    if s.generation == gen { s.checked = now }
                                }
                            } catch {
                                self.state.withLock { $0.running = nil }
                                throw error
                            }
                        }
                    }
                    return s.running
                }
                guard let task else { return }
                try await task.value
            }
        }
    }
}

/// A POSIX read-write lock: many searches read the index at once; applying changes writes.
final class ReadWriteLock: @unchecked Sendable {
    private let rw = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() { pthread_rwlock_init(rw, nil) }
    deinit {
        pthread_rwlock_destroy(rw)
        rw.deallocate()
    }

    func reading<R>(_ body: () throws -> R) rethrows -> R {
        pthread_rwlock_rdlock(rw)
        defer { pthread_rwlock_unlock(rw) }
        return try body()
    }

    func writing<R>(_ body: () throws -> R) rethrows -> R {
        pthread_rwlock_wrlock(rw)
        defer { pthread_rwlock_unlock(rw) }
        return try body()
    }
}
