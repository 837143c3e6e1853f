import Foundation
import HotlineCommandLine
import HotlineStore
import PostgresNIO

/// Secondary indexes and foreign keys set aside for a bulk load, as pg_restore does: their
/// definitions are saved in a table (in the same transaction that drops them) and rebuilt from
/// it, so an interrupted run is completed by the next one.
struct DeferredDDL {
    let db: Database

    func drop(_ tables: [String]) async throws {
        try await db.transaction { conn in
            try await conn.query("CREATE TABLE IF NOT EXISTS gen_deferred_ddl (seq serial PRIMARY KEY, phase int NOT NULL, restore text NOT NULL)", logger: db.logger)
            // Phase 1: indexes, built side by side (CREATE INDEX takes a SHARE lock, so two can run on
            // one table); unique constraints get their index here too. Phase 2 attaches those
            // indexes to their constraints; phase 3 adds the foreign keys back (each one validation scan).
            let rows = try await conn.query("""
                SELECT 1, pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass::text)
                FROM pg_index i
                WHERE i.indrelid = ANY(\(tables)::regclass[]) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p','u','x'))
                UNION ALL
                SELECT 1, pg_get_indexdef(c.conindid), NULL FROM pg_constraint c
                WHERE c.conrelid = ANY(\(tables)::regclass[]) AND c.contype = 'u'
                UNION ALL
                SELECT CASE c.contype WHEN 'u' THEN 2 ELSE 3 END,
                       CASE c.contype WHEN 'u' THEN format('ALTER TABLE %s ADD CONSTRAINT %I UNIQUE USING INDEX %I', c.conrelid::regclass::text, c.conname, c.conindid::regclass::text)
                       ELSE format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)) END,
                       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass::text, c.conname)
                FROM pg_constraint c
                WHERE c.conrelid = ANY(\(tables)::regclass[]) AND c.contype IN ('u','f')
                ORDER BY 1 DESC
                """, logger: db.logger)
            var steps: [(Int32, String, String?)] = []
            for try await step in rows.decode((Int32, String, String?).self) { steps.append(step) }
            for (phase, restore, dropSQL) in steps {
                try await conn.query("INSERT INTO gen_deferred_ddl (phase, restore) VALUES (\(phase), \(restore))", logger: db.logger)
                if let dropSQL { try await conn.query(PostgresQuery(unsafeSQL: dropSQL), logger: db.logger) }
            }
            print("set aside \(steps.count) indexes and constraints for the load")
        }
    }

    /// Rebuilds what `drop` set aside: two connections take statements from one queue (two cores
    /// here), GIN indexes and the biggest tables first; each row is deleted with its statement's success.
    func restore() async throws {
        var pending: [(Int32, Int32, String)] = []
        let exists = try await db.client.query("SELECT to_regclass('gen_deferred_ddl') IS NOT NULL", logger: db.logger).decode(Bool.self)
        for try await e in exists where !e { return }
        for try await row in try await db.client.query("""
            SELECT seq, phase, restore FROM gen_deferred_ddl
            ORDER BY phase, restore LIKE '% USING gin %' DESC,
                     pg_total_relation_size(substring(restore FROM ' ON (?:ONLY )?([a-z_.]+) ')::regclass) DESC NULLS LAST, seq
            """, logger: db.logger).decode((Int32, Int32, String).self) { pending.append(row) }
        for phase in Set(pending.map(\.1)).sorted() {
            let queue = StatementQueue(pending.filter { $0.1 == phase }.map { ($0.0, $0.2) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await db.client.withConnection { conn in
                            try await conn.query("SET maintenance_work_mem = '1GB'", logger: db.logger)
                            while let (seq, sql) = await queue.next() {
                                let started = ContinuousClock.now
                                try await conn.query(PostgresQuery(unsafeSQL: sql), logger: db.logger)
                                try await conn.query("DELETE FROM gen_deferred_ddl WHERE seq = \(seq)", logger: db.logger)
                                print("  \(ContinuousClock.now - started): \(sql.prefix(110))")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await db.client.query("DROP TABLE gen_deferred_ddl", logger: db.logger)
    }
}

actor StatementQueue {
    private var items: [(Int32, String)]
    init(_ items: [(Int32, String)]) { self.items = items.reversed() }
    func next() -> (Int32, String)? { items.popLast() }
}
