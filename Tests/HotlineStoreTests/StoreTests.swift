import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import PostgresNIO
import Testing

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        let sql = """
            -- comment; not a split
            CREATE TABLE a (x text DEFAULT 'a;b');
            /* block; comment */ CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no; way'; END $$;
            CREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT "we;ird" FROM a;
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 4)
        #expect(statements[0] == "CREATE TABLE a (x text DEFAULT 'a;b')")
        #expect(statements[1].hasSuffix("END $$"))
        #expect(statements[2].contains("$body$ SELECT 1; $body$"))
        #expect(statements[3] == "SELECT \"we;ird\" FROM a")
    }
}

@Suite struct MigratorTests {
    @Test func migrateIsIdempotentAndConcurrentRunsApplyOnce() async throws {
        try await TestDatabase.with { db in
            let migrator = try Migrator(directory: TestDatabase.dbDirectory.appendingPathComponent("migrations"))
            // The template is already migrated: nothing to apply, and it reports up to date.
            #expect(try await migrator.migrate(db).isEmpty)
            #expect(try await migrator.isUpToDate(db))
            // A new migration file (with a $$ body) raced by four migrators is applied once.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            for m in migrator.migrations {
                try m.sql.write(to: dir.appendingPathComponent("\(m.version)_\(m.name).sql"), atomically: true, encoding: .utf8)
            }
            try """
                CREATE TABLE migrator_probe (id int PRIMARY KEY);
                CREATE FUNCTION probe_insert() RETURNS void LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO migrator_probe VALUES (1); END $$;
                SELECT probe_insert();
                """.write(to: dir.appendingPathComponent("9999_probe.sql"), atomically: true, encoding: .utf8)
            let extended = try Migrator(directory: dir)
            #expect(try await extended.isUpToDate(db) == false)
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 { group.addTask { try await extended.migrate(db) } }
                var all: [String] = []
                for try await a in group { all += a }
                return all
            }
            let last = "9999"
            #expect(applied == [last])
            #expect(try await extended.isUpToDate(db))
            var rows = 0
            for try await n in try await db.client.query("SELECT count(*) FROM migrator_probe", logger: db.logger).decode(Int.self) { rows = n }
            #expect(rows == 1)
        }
    }
}

@Suite struct TicketStoreTests {
    func intake(_ n: Int, phone: String? = nil, external: String? = nil) throws -> TicketIntake {
        var r = TicketIntake.Raw()
        r.hotlineNumber = ["12345", "12315", "12333", "12319"][n % 4]
        r.channel = "phone"; r.nature = "consult"; r.title = "咨询 \(n)"; r.content = "第\(n)个问题"
        r.externalId = external
        if let phone { r.caller = .init(phone: phone) }
        return try TicketIntake.validate(r, now: Date())
    }

    @Test func twoHundredConcurrentIntakesGetDistinctSortedNumbers() async throws {
        try await TestDatabase.with { db in
            let store = TicketStore(db: db, zone: try ServiceClockZone())
            let numbers = try await withThrowingTaskGroup(of: [String].self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var mine: [String] = []
                        for i in 0..<25 { mine.append(try await store.create(try self.intake(task * 25 + i), actor: nil, idempotencyKey: nil, source: .api).ticket.number) }
                        return mine
                    }
                }
                var all: [String] = []
                for try await n in group { all += n }
                return all
            }
            #expect(numbers.count == 200)
            #expect(Set(numbers).count == 200)
            var count = 0
            for try await n in try await db.client.query("SELECT count(*) FROM tickets", logger: db.logger).decode(Int.self) { count = n }
            #expect(count == 200)
            var events = 0
            for try await n in try await db.client.query("SELECT count(*) FROM ticket_events WHERE kind = 'registered'", logger: db.logger).decode(Int.self) { events = n }
            #expect(events == 200)
            // Numbers of one day are consecutive from 1 with no gaps when nothing failed (grouped by
            // day, in case the run crosses midnight in Shanghai).
            let byDay = Dictionary(grouping: numbers, by: { $0.prefix(8) })
            for (_, day) in byDay {
                #expect(day.map { Int($0.suffix(5))! }.sorted() == Array(1...day.count))
            }
        }
    }

    @Test func sameExternalIdRacingCreatesOneTicket() async throws {
        try await TestDatabase.with { db in
            let store = TicketStore(db: db, zone: try ServiceClockZone())
            let t = try intake(1, external: "LEGACY-1")
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await store.create(t, actor: nil, idempotencyKey: nil, source: .import).ticket.id } }
                var all: [String] = []
                for try await id in group { all.append(id) }
                return all
            }
            #expect(Set(ids).count == 1)
        }
    }

    @Test func eventsAreAppendOnly() async throws {
        try await TestDatabase.with { db in
            let store = TicketStore(db: db, zone: try ServiceClockZone())
            let t = try await store.create(try intake(1), actor: nil, idempotencyKey: nil, source: .api).ticket
            await #expect(throws: (any Error).self) {
                try await db.client.query("UPDATE ticket_events SET kind = 'x' WHERE ticket_id = \(Int64(t.id)!)", logger: db.logger)
            }
            await #expect(throws: (any Error).self) {
                try await db.client.query("DELETE FROM ticket_events", logger: db.logger)
            }
        }
    }

    @Test func duplicateCandidatesBySamePhoneAndSimilarPlace() async throws {
        try await TestDatabase.with { db in
            let store = TicketStore(db: db, zone: try ServiceClockZone())
            func make(_ title: String, _ content: String, phone: String?, region: String?, hotline: String = "12345") async throws -> Ticket {
                var r = TicketIntake.Raw()
                r.hotlineNumber = hotline; r.channel = "phone"; r.nature = "report"; r.title = title; r.content = content
                r.regionCode = region; r.categoryCode = "市政设施/路灯"
                if let phone { r.caller = .init(phone: phone) }
                return try await store.create(try TicketIntake.validate(r, now: Date()), actor: nil, idempotencyKey: nil, source: .api).ticket
            }
            let lamp = try await make("西溪路88号路灯不亮", "西溪路88号门口的路灯坏了，晚上一片漆黑，请尽快修理。", phone: "13800000001", region: "330106002")
            let noise = try await make("饭店噪音扰民", "楼下饭店每天夜里排风机噪音很大，影响休息。", phone: "13800000002", region: "330106002")
            _ = try await make("西溪路88号路灯不亮", "西溪路88号门口的路灯坏了", phone: nil, region: "330102001")  // other region
            let sameLamp = try await make("路灯坏了", "西溪路88号附近路灯不亮已经三天，晚上很黑，请修理。", phone: "13900000009", region: "330106002", hotline: "12319")
            let c1 = try await store.duplicateCandidates(for: sameLamp)
            #expect(c1.map(\.ticketId) == [lamp.id])
            #expect(c1.first?.reasons == ["similar_content"])
            let samePhone = try await make("又来反映", "上次说的事情还没有处理。", phone: "13800000002", region: nil)
            let c2 = try await store.duplicateCandidates(for: samePhone)
            #expect(c2.map(\.ticketId) == [noise.id])
            #expect(c2.first?.reasons == ["same_phone"])
            // Closed tickets are not candidates.
            try await db.client.query("UPDATE tickets SET status = 'closed' WHERE id = \(Int64(noise.id)!)", logger: db.logger)
            #expect(try await store.duplicateCandidates(for: samePhone).isEmpty)
        }
    }
}
