import ArgumentParser
import Foundation
import HotlineCore
import HotlineStore
import NIOCore
import PostgresNIO

extension Generate {
    /// `hotline gen tickets`: a realistic history — N tickets over M months, 200 units in a tree,
    /// every hotline and channel, a realistic mix of outcomes (direct answers, on-time and late
    /// work, returns, extensions, reopenings, terminations, callbacks), Chinese text. Rows are
    /// built here and loaded with COPY into a staging table, then spread into the real tables
    /// with set-based INSERT … SELECT, in chunks so memory stays flat.
    struct Tickets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add N synthetic tickets over M months (with assignments, callbacks, events).")
        @Option(help: "How many tickets") var count: Int = 100_000
        @Option(help: "First month, like 2026-10") var month: String = "2026-10"
        @Option(help: "How many months") var months: Int = 1
        @Option(help: "Random seed") var seed: UInt64 = 42
        @Option(help: "Tickets per COPY chunk") var chunk: Int = 200_000

        func run() async throws {
            guard let first = ReportStore.Month(month), (1...120).contains(months), count > 0 else {
                throw ValidationError("--month like 2026-10, --months 1…120, --count > 0")
            }
            let config = try Config.fromEnvironment()
            let zone = try ServiceClockZone(identifier: config.timeZone)
            let vocabulary = try Vocabulary(seedDir: config.dbDirectory.appendingPathComponent("seed"))
            let total = count, chunkSize = chunk, seedValue = seed, monthCount = months
            let started = ContinuousClock.now
            try await withDatabase(config) { db in
                let units = try await ensureUnits(db)
                let calendar = try await CalendarStore(db: db).load()
                let calc = DeadlineCalculator(calendar: calendar, zone: zone)
                let categories = try await ReferenceStore(db: db).listCodes(.categories).map(\.code)
                let regions = try await ReferenceStore(db: db).listCodes(.regions).map(\.code)
                let hotlines = try await ReferenceStore(db: db).listHotlines().filter { $0.mergeMode != "linked" }.map(\.number)
                let from = zone.startOfDay(first.first)
                var end = first
                for _ in 0..<monthCount { end = ReportStore.Month(end.next.description.prefix(7).description)! }
                let to = zone.startOfDay(end.first)
                var rng = SplitMix(seed: seedValue)
                var perDay: [LocalDay: Int] = [:]
                for try await (day, last) in try await db.client.query("SELECT day::text, last FROM ticket_number_counters", logger: db.logger).decode((String, Int32).self) {
                    if let d = LocalDay(iso: day) { perDay[d] = Int(last) }
                }
                let span = to.timeIntervalSince(from)
                var done = 0
                while done < total {
                    let n = min(chunkSize, total - done)
                    var lines: [String] = []
                    lines.reserveCapacity(n)
                    for _ in 0..<n {
                        let received = from.addingTimeInterval(Double(rng.next() % UInt64(span)))
                        let day = zone.localDay(of: received)
                        perDay[day, default: 0] += 1
                        let number = TicketNumber.make(day: day, sequence: perDay[day]!)
                        lines.append(Row.random(&rng, number: number, received: received, units: units, categories: categories, regions: regions,
                                                hotlines: hotlines, vocabulary: vocabulary, calc: calc).line)
                    }
                    try await load(db, lines)
                    done += n
                    print("loaded \(done) / \(total) tickets (\(ContinuousClock.now - started))")
                }
                for (day, last) in perDay {
                    try await db.client.query("""
                        INSERT INTO ticket_number_counters (day, last) VALUES (\(day.description)::date, \(last))
                        ON CONFLICT (day) DO UPDATE SET last = GREATEST(ticket_number_counters.last, EXCLUDED.last)
                        """, logger: db.logger)
                }
                for table in ["tickets", "assignments", "callbacks", "ticket_events"] {
                    try await db.client.query(PostgresQuery(unsafeSQL: "ANALYZE \(table)"), logger: db.logger)
                }
            }
            print("generated \(total) tickets in \(ContinuousClock.now - started)")
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

        func load(_ db: Database, _ lines: [String]) async throws {
            try await db.client.withConnection { conn in
                try await conn.query("BEGIN", logger: db.logger)
                try await conn.query("""
                    CREATE TEMP TABLE gen_tickets (number text, hotline text, channel text, received_at timestamptz, nature text,
                        category text, region text, title text, content text, status text, answered boolean, unit bigint,
                        returned_unit bigint, dispatched_at timestamptz, response_deadline timestamptz, response_met timestamptz,
                        close_deadline timestamptz, close_met timestamptz, ext integer, reopen integer, cb_at timestamptz,
                        cb_reached boolean, cb_satisfaction text, cb_resolved boolean, closed_reason text) ON COMMIT DROP
                    """, logger: db.logger)
                try await copyLines(conn, table: "gen_tickets", lines, logger: db.logger)
                try await conn.query("""
                    INSERT INTO tickets (number, query_code, hotline_number, channel, intake_hash, received_at, created_at, updated_at, source,
                        nature, category_code, region_code, title, content, status, sla_policy, outcome, closed_reason, closed_at, reopen_count)
                    SELECT number, lpad((abs(hashtext(number)) % 1000000)::text, 6, '0'), hotline, channel, '\\x00', received_at, received_at,
                        COALESCE(cb_at, close_met, dispatched_at, received_at), 'import', nature, category, region, title, content, status,
                        CASE WHEN unit IS NOT NULL THEN 'standard' END,
                        CASE WHEN answered THEN jsonb_build_object('answer', '按政策答复') END,
                        closed_reason, CASE WHEN status IN ('closed','terminated','answered') THEN COALESCE(cb_at, close_met, received_at) END,
                        COALESCE(reopen, 0)
                    FROM gen_tickets
                    """, logger: db.logger)
                // Returned first assignments, then the (current) lead assignments, then callbacks and events.
                try await conn.query("""
                    INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, ended_at, status, sla_policy, response_deadline,
                        close_unit, close_deadline)
                    SELECT t.id, g.returned_unit, 'lead', g.dispatched_at - interval '1 hour', g.dispatched_at, 'returned', 'standard',
                        g.response_deadline, 'working_days', g.close_deadline
                    FROM gen_tickets g JOIN tickets t ON t.number = g.number WHERE g.returned_unit IS NOT NULL
                    """, logger: db.logger)
                try await conn.query("""
                    INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, ended_at, status, sla_policy, response_deadline,
                        response_met_at, close_unit, close_deadline, close_met_at, extension_days, reopen_count, callback_met_at)
                    SELECT t.id, g.unit, 'lead', g.dispatched_at,
                        CASE WHEN g.status IN ('closed','terminated') THEN COALESCE(g.cb_at, g.close_met, g.dispatched_at) END,
                        CASE WHEN g.status IN ('closed','terminated') THEN 'ended' ELSE 'active' END, 'standard',
                        g.response_deadline, g.response_met, 'working_days', g.close_deadline, g.close_met, COALESCE(g.ext, 0), COALESCE(g.reopen, 0),
                        CASE WHEN g.status = 'closed' THEN g.cb_at END
                    FROM gen_tickets g JOIN tickets t ON t.number = g.number WHERE g.unit IS NOT NULL
                    """, logger: db.logger)
                try await conn.query("""
                    INSERT INTO callbacks (ticket_id, assignment_id, at, reached, satisfaction, resolved)
                    SELECT t.id, a.id, g.cb_at, g.cb_reached, CASE WHEN g.cb_reached THEN g.cb_satisfaction END,
                        CASE WHEN g.cb_reached THEN g.cb_resolved END
                    FROM gen_tickets g JOIN tickets t ON t.number = g.number
                    JOIN assignments a ON a.ticket_id = t.id AND a.role = 'lead' AND a.status <> 'returned'
                    WHERE g.cb_at IS NOT NULL
                    """, logger: db.logger)
                try await conn.query("""
                    INSERT INTO ticket_events (ticket_id, at, kind, from_status, to_status, payload)
                    SELECT t.id, g.received_at, 'registered', NULL, 'registered', '{"source":"gen"}'::jsonb
                    FROM gen_tickets g JOIN tickets t ON t.number = g.number
                    UNION ALL
                    SELECT t.id, g.dispatched_at, 'dispatch', 'registered', 'dispatched', jsonb_build_object('lead_unit_id', g.unit::text)
                    FROM gen_tickets g JOIN tickets t ON t.number = g.number WHERE g.unit IS NOT NULL
                    """, logger: db.logger)
                try await conn.query("COMMIT", logger: db.logger)
            }
        }
    }

    /// One generated ticket as a COPY line of gen_tickets.
    struct Row {
        var line: String

        static func random(_ rng: inout SplitMix, number: String, received: Date, units: [Int64], categories: [String], regions: [String],
                           hotlines: [String], vocabulary: Vocabulary, calc: DeadlineCalculator) -> Row {
            func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
            func chance(_ p: Double) -> Bool { Double(rng.next() % 10_000) / 10_000 < p }
            func minutes(_ lo: Int, _ hi: Int) -> TimeInterval { Double(lo + Int(rng.next() % UInt64(hi - lo + 1))) * 60 }
            let hotline = chance(0.6) ? "12345" : pick(hotlines)
            let channel = chance(0.7) ? "phone" : pick(["wechat", "app", "web", "email", "sms", "transfer_110", "upper_platform", "grid", "letter"])
            let nature = pick(["consult", "consult", "help", "complaint", "complaint", "report", "suggestion", "praise", "other"])
            let title = vocabulary.phrase(&rng, words: 3...6)
            let content = vocabulary.phrase(&rng, words: 15...40) + "。"
            var f: [String?] = [number, hotline, channel, iso(received), nature, pick(categories), pick(regions), title, content]
            let roll = Double(rng.next() % 10_000) / 10_000
            if roll < 0.10 {  // answered directly on the call, or refused / transferred
                let status = roll < 0.08 ? "answered" : (roll < 0.09 ? "rejected" : "transferred")
                f += [status, status == "answered" ? "t" : "f"] + Array(repeating: nil, count: 14)
                return Row(line: f.map { $0.map(copyEscape) ?? "\\N" }.joined(separator: "\t") + "\n")
            }
            let dispatched = received.addingTimeInterval(minutes(5, 180))
            let unit = pick(units)
            let returned: Int64? = chance(0.03) ? pick(units.filter { $0 != unit }) : nil
            let responseDeadline = calc.deadline(from: dispatched, ClockLength(1, .workingDays))
            var closeDeadline = calc.deadline(from: dispatched, ClockLength(5, .workingDays))
            let ext = chance(0.05) ? 1 + Int(rng.next() % 5) : 0
            if ext > 0 { closeDeadline = calc.extend(closeDeadline, workingDays: ext, naturalTime: false) }
            let responseMet: Date? = chance(0.95) ? dispatched.addingTimeInterval(chance(0.9) ? minutes(10, 600) : minutes(1500, 4000)) : nil
            let stage = Double(rng.next() % 10_000) / 10_000
            var status = "closed", closeMet: Date? = nil, cbAt: Date? = nil, reached = false, reopen = 0
            var satisfaction = "satisfied", resolved = true, closedReason: String? = "callback"
            if responseMet == nil { status = "dispatched"; closedReason = nil }
            else if stage < 0.06 { status = "accepted"; closedReason = nil }
            else if stage < 0.07 { status = "terminated"; closedReason = nil }
            else {
                closeMet = responseMet!.addingTimeInterval(chance(0.85) ? minutes(60, 4 * 1440) : minutes(7 * 1440, 12 * 1440))
                if stage < 0.10 { status = "replied"; closedReason = nil }
                else if stage < 0.14 { status = "awaiting_callback"; closedReason = nil }
                else {
                    cbAt = closeMet!.addingTimeInterval(minutes(120, 1440))
                    reached = chance(0.92)
                    if !reached { closedReason = "unreachable" }
                    let s = Double(rng.next() % 100)
                    satisfaction = s < 80 ? "satisfied" : (s < 92 ? "basically_satisfied" : "unsatisfied")
                    resolved = chance(0.86)
                    if reached && satisfaction == "unsatisfied" && chance(0.3) { reopen = 1 }
                }
            }
            f += [status, "f", String(unit), returned.map(String.init), iso(dispatched), iso(responseDeadline), responseMet.map(iso),
                  iso(closeDeadline), closeMet.map(iso), String(ext), String(reopen), cbAt.map(iso), cbAt == nil ? nil : (reached ? "t" : "f"),
                  cbAt == nil ? nil : satisfaction, cbAt == nil ? nil : (resolved ? "t" : "f"), closedReason]
            return Row(line: f.map { $0.map(copyEscape) ?? "\\N" }.joined(separator: "\t") + "\n")
        }

        static func iso(_ d: Date) -> String { Timestamp.format(d, in: TimeZone(identifier: "UTC")!) }
    }
}
