import ArgumentParser
import Foundation
import HotlineCommandLine
import HotlineCore
import HotlineStore
import PostgresNIO

extension Generate {
    /// `hotline gen tickets`: a realistic history — N tickets spread evenly over M months up to
    /// `--as-of`, 200 units in a tree, every hotline and channel, each ticket's life played
    /// forward and cut at `--as-of` (HistorySimulator), Chinese text. Rows are rendered straight
    /// into COPY text and streamed into the real tables, one transaction per chunk; the next
    /// chunk is generated while the previous one loads.
    struct Tickets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add N synthetic tickets over M months (with assignments, callbacks, escalations, events).")
        @Option(help: "How many tickets") var count: Int = 100_000
        @Option(help: "First month, like 2026-10") var month: String = "2026-10"
        @Option(help: "How many months") var months: Int = 1
        @Option(help: "Random seed") var seed: UInt64 = 42
        @Option(help: "Tickets per COPY chunk") var chunk: Int = 50_000
        @Option(help: "Where history ends (ISO 8601; default now): later arrivals are not generated, later steps have not happened")
        var asOf: String?
        @Flag(help: "Drop the secondary indexes and the foreign keys of the five tables for the load and rebuild them after (for a fresh benchmark database; no one else should write meanwhile)")
        var deferIndexes = false

        static let tables = ["tickets", "assignments", "callbacks", "escalations", "ticket_events"]

        func run() async throws {
            guard let first = ReportStore.Month(month), (1...120).contains(months), count >= 0, (1_000...1_000_000).contains(chunk) else {
                throw ValidationError("--month like 2026-10, --months 1…120, --count ≥ 0 (0: only finish an interrupted run), --chunk 1000…1000000")
            }
            let cutoff = try asOf.map { s in
                guard let d = Timestamp.parse(s) else { throw ValidationError("--as-of: an ISO 8601 instant with offset, like 2026-11-22T09:00:00+08:00") }
                return d
            } ?? Date()
            let config = try Config.fromEnvironment()
            let zone = try ServiceClockZone(identifier: config.timeZone)
            let vocabulary = try Vocabulary(seedDir: config.dbDirectory.appendingPathComponent("seed"))
            let total = count, chunkSize = chunk, seedValue = seed, monthCount = months, deferring = deferIndexes
            let started = ContinuousClock.now
            try await withDatabase(config) { db in
                let ddl = DeferredDDL(db: db)
                try await ddl.restore()  // what an interrupted run left dropped
                guard total > 0 else { return try await vacuumAnalyze(db) }
                let units = try await ensureUnits(db)
                let calc = DeadlineCalculator(calendar: try await CalendarStore(db: db).load(), zone: zone)
                guard let policy = try await PolicyStore(db: db).get("standard") else { throw ValidationError("no 'standard' SLA policy: run `hotline seed` first") }
                let references = ReferenceStore(db: db)
                let from = zone.startOfDay(first.first)
                var end = first.first
                for _ in 0..<monthCount { end = ReportStore.Month(String(end.description.prefix(7)))!.next }
                let until = min(zone.startOfDay(end), cutoff)
                guard until > from else { throw ValidationError("--as-of is before the first month") }
                let simulator = HistorySimulator(
                    units: units, categories: try await references.listCodes(.categories).map(\.code),
                    regions: try await references.listCodes(.regions).map(\.code),
                    hotlines: try await references.listHotlines().filter { $0.mergeMode != "linked" }.map(\.number),
                    vocabulary: vocabulary, calc: calc, policy: policy, asOf: cutoff, fingerprintSince: cutoff.addingTimeInterval(-8 * 86400))
                var perDay: [LocalDay: Int] = [:]
                // Each numbered day's highest number so far is at most the sequence's value minus its base.
                for try await (day, last) in try await db.client.query("""
                    SELECT day::text, (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ticket_number_seq) - base
                    FROM ticket_number_days
                    """, logger: db.logger).decode((String, Int64).self) {
                    if let d = LocalDay(iso: day) { perDay[d] = Int(last) }
                }
                if deferring { try await ddl.drop(Self.tables) }

                // Arrivals evenly spread (with jitter inside each slot), so ids follow time as in a live system.
                let step = until.timeIntervalSince(from) / Double(total)
                var rng = SplitMix(seed: seedValue)
                var loading: Task<Void, Error>? = nil
                var done = 0
                while done < total {
                    let n = min(chunkSize, total - done)
                    let (ticketBase, assignmentBase) = try await reserveIds(db, tickets: n, assignments: 2 * n)
                    var rows = HistoryChunk()
                    var nextAssignment = assignmentBase
                    for i in 0..<n {
                        let slot = Double(done + i)
                        let received = from.addingTimeInterval(((slot + Double(rng.next() % 1000) / 1000) * step).rounded(.down))
                        let day = zone.localDay(of: received)
                        perDay[day, default: 0] += 1
                        simulator.ticket(id: ticketBase + Int64(i), number: TicketNumber.make(day: day, sequence: perDay[day]!), received: received,
                                         rng: &rng, nextAssignment: &nextAssignment, into: &rows)
                    }
                    try await loading?.value
                    let chunkRows = rows
                    loading = Task { try await load(db, chunkRows) }
                    done += n
                    print("generated \(done) / \(total) tickets (\(ContinuousClock.now - started))")
                }
                try await loading?.value
                let days = perDay.keys.map(\.description), lasts = perDay.keys.map { Int32(perDay[$0]!) }
                // Intake continues each day after the numbers generated for it (see migration 0015).
                try await db.client.query("""
                    INSERT INTO ticket_number_days (day, base)
                    SELECT d::date, (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ticket_number_seq) - l
                    FROM unnest(\(days)::text[], \(lasts)::int4[]) AS x(d, l)
                    ON CONFLICT (day) DO UPDATE SET base = LEAST(ticket_number_days.base, EXCLUDED.base)
                    """, logger: db.logger)
                print("loaded (\(ContinuousClock.now - started))")
                if deferring {
                    try await ddl.restore()
                    print("indexes and foreign keys rebuilt (\(ContinuousClock.now - started))")
                }
                try await vacuumAnalyze(db)
            }
            print("generated \(total) tickets in \(ContinuousClock.now - started)")
        }

        /// Visibility map and statistics, as autovacuum would leave them on a live system.
        func vacuumAnalyze(_ db: Database) async throws {
            let started = ContinuousClock.now
            for table in Self.tables {
                try await db.client.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(table)"), logger: db.logger)
            }
            print("vacuumed and analysed (\(ContinuousClock.now - started))")
        }

        /// Takes consecutive ids from the tickets' and assignments' identity sequences in one step
        /// (setval past nextval), so concurrent writers get ids above the block. Unused assignment
        /// ids are left as a gap, as sequences do anyway.
        func reserveIds(_ db: Database, tickets: Int, assignments: Int) async throws -> (Int64, Int64) {
            let rows = try await db.client.query("""
                SELECT setval(t, nextval(t) + \(tickets - 1)) - \(tickets - 1), setval(a, nextval(a) + \(assignments - 1)) - \(assignments - 1)
                FROM (SELECT pg_get_serial_sequence('tickets', 'id')::regclass AS t, pg_get_serial_sequence('assignments', 'id')::regclass AS a) s
                """, logger: db.logger)
            for try await ids in rows.decode((Int64, Int64).self) { return ids }
            throw ValidationError("could not reserve ids")
        }

        func load(_ db: Database, _ rows: HistoryChunk) async throws {
            try await db.client.withConnection { conn in
                try await conn.query("BEGIN", logger: db.logger)
                // Generated history is not news for other systems: its events stay out of the outbox.
                try await conn.query("SET LOCAL hotline.outbox = 'off'", logger: db.logger)
                try await conn.query("SET LOCAL synchronous_commit = off", logger: db.logger)
                try await conn.copy(rows.tickets, into: "tickets", columns: HistoryChunk.ticketColumns, logger: db.logger)
                try await conn.copy(rows.assignments, into: "assignments", columns: HistoryChunk.assignmentColumns, logger: db.logger)
                try await conn.copy(rows.callbacks, into: "callbacks", columns: HistoryChunk.callbackColumns, logger: db.logger)
                try await conn.copy(rows.escalations, into: "escalations", columns: HistoryChunk.escalationColumns, logger: db.logger)
                try await conn.copy(rows.events, into: "ticket_events", columns: HistoryChunk.eventColumns, logger: db.logger)
                try await conn.query("COMMIT", logger: db.logger)
            }
        }

        /// 200 units: the demo city's, plus districts with departments and streets up to 200.
        func ensureUnits(_ db: Database) async throws -> [Int64] {
            let store = ReferenceStore(db: db)
            var existing = try await store.listUnits(parentId: nil, level: nil)
            guard let city = existing.first(where: { $0.level == "city" }).flatMap({ Int64($0.id) }) else {
                throw ValidationError("run `hotline seed --demo` first (a city unit is needed)")
            }
            var d = 0
            while existing.count < 200 {
                d += 1
                let (district, _) = try await store.saveUnit(id: nil, .init(code: String(format: "GEN-D%02d", d), name: "生成区\(d)人民政府",
                                                                            parentId: city, level: .district, regionCode: nil, active: true), upsertByCode: true)
                for k in 1...18 where existing.count + k <= 199 {
                    let isDept = k <= 4
                    _ = try await store.saveUnit(id: nil, .init(code: String(format: "GEN-D%02d-%@%02d", d, isDept ? "B" : "S", k),
                                                                name: isDept ? "生成区\(d)第\(k)局" : "生成区\(d)第\(k)街道",
                                                                parentId: Int64(district.id), level: isDept ? .department : .street,
                                                                regionCode: nil, active: true), upsertByCode: true)
                }
                existing = try await store.listUnits(parentId: nil, level: nil)
            }
            return existing.filter { $0.level != "city" && $0.code != "HOTLINE" }.compactMap { Int64($0.id) }
        }
    }
}
