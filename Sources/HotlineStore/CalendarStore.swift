import Foundation
import HotlineCore
import PostgresNIO

/// The working-day calendar's exceptions (holidays, make-up working days), national and regional.
public struct CalendarStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public struct Entry: Sendable, Codable, Equatable {
        public var date: String
        public var kind: String
        public var note: String
        public var regionCode: String?
        public init(date: String, kind: String, note: String, regionCode: String?) {
            self.date = date; self.kind = kind; self.note = note; self.regionCode = regionCode
        }
    }

    /// The whole calendar (a few dozen rows a year), for deadline computation. A regional
    /// override applies to its region and every region below it; the nearest override wins.
    public func load(published: [Int: Bool]? = nil, around year: Int? = nil, on conn: PostgresConnection? = nil) async throws -> WorkingCalendar {
        let years: [Int: Bool]
        if let published { years = published } else { years = try await self.years(on: conn) }
        let center = year ?? Calendar(identifier: .gregorian).component(.year, from: Date())
        let range = max(StatutoryHolidays.years.lowerBound, center - 6)...min(StatutoryHolidays.years.upperBound, center + 6)
        var cal = WorkingCalendar(published: Set(years.filter(\.value).keys), provisionalYears: range)
        let rows = try await db.query("""
            WITH RECURSIVE below(code, root, distance) AS (
                SELECT code, code, 0 FROM regions
                WHERE code IN (SELECT region_code FROM calendar_days WHERE region_code IS NOT NULL)
                UNION ALL
                SELECT r.code, b.root, b.distance + 1 FROM regions r JOIN below b ON r.parent_code = b.code WHERE b.distance < 10)
            SELECT c.day::text, NULL::text, c.kind, 0 FROM calendar_days c WHERE c.region_code IS NULL
            UNION ALL
            SELECT c.day::text, b.code, c.kind, b.distance FROM calendar_days c JOIN below b ON b.root = c.region_code
            ORDER BY 4 DESC
            """, on: conn)
        // Farthest first, so nearer overrides overwrite them.
        for try await (day, region, kind, _) in rows.decode((String, String?, String, Int32).self) {
            guard let d = LocalDay(iso: day), let k = WorkingCalendar.Kind(rawValue: kind) else { continue }
            if let region { cal.regional[region, default: [:]][d] = k } else { cal.exceptions[d] = k }
        }
        return cal
    }

    /// Years known to the calendar and whether each is published (the State Council's notice loaded).
    public func years(on conn: PostgresConnection? = nil) async throws -> [Int: Bool] {
        var out: [Int: Bool] = [:]
        for try await (y, p) in try await db.query("SELECT year, published FROM calendar_years", on: conn).decode((Int32, Bool).self) {
            out[Int(y)] = p
        }
        return out
    }

    /// Marks a year published (or not); answers whether anything changed.
    public func setPublished(_ year: Int, _ published: Bool, on conn: PostgresConnection) async throws -> Bool {
        var changed = false
        for try await _ in try await conn.query("""
            INSERT INTO calendar_years AS y (year, published, published_at) VALUES (\(Int32(year)), \(published), CASE WHEN \(published) THEN now() END)
            ON CONFLICT (year) DO UPDATE SET published = EXCLUDED.published, published_at = EXCLUDED.published_at
              WHERE y.published IS DISTINCT FROM EXCLUDED.published
            RETURNING 1
            """, logger: db.logger).decode(Int.self) { changed = true }
        return changed
    }

    public func year(_ year: Int) async throws -> [Entry] {
        let from = "\(year)-01-01", to = "\(year + 1)-01-01"
        let rows = try await db.client.query("""
            SELECT day::text, kind, note, region_code FROM calendar_days
            WHERE day >= \(from)::date AND day < \(to)::date ORDER BY day, region_code NULLS FIRST
            """, logger: db.logger)
        var out: [Entry] = []
        for try await (day, kind, note, region) in rows.decode((String, String, String, String?).self) {
            out.append(Entry(date: day, kind: kind, note: note, regionCode: region))
        }
        return out
    }

    public func put(_ day: LocalDay, kind: WorkingCalendar.Kind, note: String, region: String?, on conn: PostgresConnection? = nil) async throws -> ReferenceStore.UpsertOutcome {
        do {
            let rows = try await db.query("""
                INSERT INTO calendar_days AS c (day, region_code, kind, note) VALUES (\(day.description)::date, \(region), \(kind.rawValue), \(note))
                ON CONFLICT (day, COALESCE(region_code, '')) DO UPDATE SET kind = EXCLUDED.kind, note = EXCLUDED.note, updated_at = now()
                  WHERE (c.kind, c.note) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.note)
                RETURNING CASE WHEN xmax = 0 THEN 'created' ELSE 'updated' END
                """, on: conn)
            for try await o in rows.decode(String.self) { return ReferenceStore.UpsertOutcome(rawValue: o) ?? .updated }
            return .unchanged
        } catch let e where SQLFailure(e)?.isForeignKeyViolation == true {
            throw StoreError.invalid([FieldError("region_code", "unknown region '\(region ?? "")'")])
        }
    }

    /// Returns whether an exception was removed.
    public func delete(_ day: LocalDay, region: String?, on conn: PostgresConnection? = nil) async throws -> Bool {
        let rows = try await db.query("""
            DELETE FROM calendar_days WHERE day = \(day.description)::date AND COALESCE(region_code, '') = COALESCE(\(region), '')
            RETURNING 1
            """, on: conn)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }
}

extension CalendarStore {
    /// Puts a day's kind and, in the same transaction, moves every running deadline it changes.
    public func edit(_ day: LocalDay, kind: WorkingCalendar.Kind, note: String, region: String?, zone: ServiceClockZone,
                     now: Date = Date()) async throws -> (ReferenceStore.UpsertOutcome, moved: Int) {
        let result = try await db.transaction { conn -> (ReferenceStore.UpsertOutcome, Int) in
            let outcome = try await put(day, kind: kind, note: note, region: region, on: conn)
            guard outcome != .unchanged else { return (outcome, 0) }
            return (outcome, try await ClockRederivation(db: db, conn: conn, zone: zone).apply(from: day, through: day, at: now))
        }
        db.config.invalidate()
        return result
    }

    /// Removes a day's exception (false when there was none), moving the deadlines it changes.
    public func remove(_ day: LocalDay, region: String?, zone: ServiceClockZone, now: Date = Date()) async throws -> (removed: Bool, moved: Int) {
        let result = try await db.transaction { conn -> (Bool, Int) in
            guard try await delete(day, region: region, on: conn) else { return (false, 0) }
            return (true, try await ClockRederivation(db: db, conn: conn, zone: zone).apply(from: day, through: day, at: now))
        }
        db.config.invalidate()
        return result
    }

    /// Publishes a year (its notice is loaded): its statutory-holiday assumption is replaced by
    /// its dates, and every running deadline through it is derived again.
    public func publish(_ year: Int, _ published: Bool = true, zone: ServiceClockZone, now: Date = Date()) async throws -> (changed: Bool, moved: Int) {
        let result = try await db.transaction { conn -> (Bool, Int) in
            if published {
                var holidays = 0
                for try await n in try await conn.query("""
                    SELECT count(*) FROM calendar_days WHERE region_code IS NULL AND kind = 'holiday'
                      AND day >= make_date(\(Int32(year)), 1, 1) AND day < make_date(\(Int32(year + 1)), 1, 1)
                    """, logger: db.logger).decode(Int.self) { holidays = n }
                guard holidays > 0 else {
                    throw StoreError.conflict("\(year) has no holidays loaded: put or import the notice's dates before publishing it")
                }
            }
            guard try await setPublished(year, published, on: conn) else { return (false, 0) }
            let moved = try await ClockRederivation(db: db, conn: conn, zone: zone)
                .apply(from: LocalDay(year: year, month: 1, day: 1), through: LocalDay(year: year, month: 12, day: 31), at: now)
            return (true, moved)
        }
        db.config.invalidate()
        return result
    }
}

extension CalendarStore {
    /// The seed's calendar file holds State Council notices: each year it has dates for is published.
    public func publishYears(of csv: String, zone: ServiceClockZone) async throws {
        let years = Set(csv.split(whereSeparator: \.isNewline).compactMap { line -> Int? in
            guard line.count >= 5, line.dropFirst(4).first == "-" else { return nil }
            return Int(line.prefix(4))
        })
        for year in years.sorted() { _ = try await publish(year, zone: zone) }
    }
}
