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
    public func load() async throws -> WorkingCalendar {
        var cal = WorkingCalendar()
        let rows = try await db.client.query("""
            WITH RECURSIVE below(code, root, distance) AS (
                SELECT code, code, 0 FROM regions
                WHERE code IN (SELECT region_code FROM calendar_days WHERE region_code IS NOT NULL)
                UNION ALL
                SELECT r.code, b.root, b.distance + 1 FROM regions r JOIN below b ON r.parent_code = b.code WHERE b.distance < 10)
            SELECT c.day::text, NULL::text, c.kind, 0 FROM calendar_days c WHERE c.region_code IS NULL
            UNION ALL
            SELECT c.day::text, b.code, c.kind, b.distance FROM calendar_days c JOIN below b ON b.root = c.region_code
            ORDER BY 4 DESC
            """, logger: db.logger)
        // Farthest first, so nearer overrides overwrite them.
        for try await (day, region, kind, _) in rows.decode((String, String?, String, Int32).self) {
            guard let d = LocalDay(iso: day), let k = WorkingCalendar.Kind(rawValue: kind) else { continue }
            if let region { cal.regional[region, default: [:]][d] = k } else { cal.exceptions[d] = k }
        }
        return cal
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

    public func put(_ day: LocalDay, kind: WorkingCalendar.Kind, note: String, region: String?) async throws -> ReferenceStore.UpsertOutcome {
        do {
            let rows = try await db.client.query("""
                INSERT INTO calendar_days AS c (day, region_code, kind, note) VALUES (\(day.description)::date, \(region), \(kind.rawValue), \(note))
                ON CONFLICT (day, COALESCE(region_code, '')) DO UPDATE SET kind = EXCLUDED.kind, note = EXCLUDED.note, updated_at = now()
                  WHERE (c.kind, c.note) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.note)
                RETURNING CASE WHEN xmax = 0 THEN 'created' ELSE 'updated' END
                """, logger: db.logger)
            for try await o in rows.decode(String.self) { return ReferenceStore.UpsertOutcome(rawValue: o) ?? .updated }
            return .unchanged
        } catch let e where SQLFailure(e)?.isForeignKeyViolation == true {
            throw StoreError.invalid([FieldError("region_code", "unknown region '\(region ?? "")'")])
        }
    }

    /// Returns whether an exception was removed.
    public func delete(_ day: LocalDay, region: String?) async throws -> Bool {
        let rows = try await db.client.query("""
            DELETE FROM calendar_days WHERE day = \(day.description)::date AND COALESCE(region_code, '') = COALESCE(\(region), '')
            RETURNING 1
            """, logger: db.logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }
}
