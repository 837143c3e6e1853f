import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// The working-day calendar: exceptions per year, edits by admin, and deadline computation.
struct CalendarRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    struct DayBody: Decodable {
        var kind: String?
        var note: String?
        var regionCode: String?
    }

    struct DeadlineAnswer: Encodable {
        var from: Date
        var deadline: Date
        var amount: Int
        var unit: String
        var regionCode: String?
        /// The deadline counts through a year whose notice is not loaded (statutory holidays assumed).
        var provisional: Bool
    }

    struct YearAnswer: Encodable {
        var year: Int
        var published: Bool
        /// Until the notice is loaded: the statutory holidays assumed (《全国年节及纪念日放假办法》).
        var provisionalHolidays: [String]
        var warning: String?
        var items: [CalendarStore.Entry]
        var nextCursor: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(year, forKey: .year)
            try c.encode(published, forKey: .published)
            try c.encode(provisionalHolidays, forKey: .provisionalHolidays)
            try c.encode(warning, forKey: .warning)        // explicit null
            try c.encode(items, forKey: .items)
            try c.encode(nextCursor, forKey: .nextCursor)  // explicit null when there is no next page
        }
        enum K: String, CodingKey { case year, published, provisionalHolidays, warning, items, nextCursor }
    }

    struct PublishBody: Decodable {
        var published: Bool?
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/calendar/deadline", .anyUser) { req, _ in
                let q = try req.query(allowed: ["from", "working_days", "hours", "minutes", "region_code"])
                var c = FieldChecker()
                var from = s.clock.now()
                if let f = q["from"] {
                    if let d = Timestamp.parse(f) { from = d } else { c.add("from", "must be an RFC 3339 time with offset") }
                }
                let given = [("working_days", DurationUnit.workingDays), ("hours", .hours), ("minutes", .minutes)].filter { q[$0.0] != nil }
                var length = ClockLength(1, .workingDays)
                if given.count != 1 {
                    c.add("working_days", "give exactly one of working_days, hours, minutes")
                } else if let n = Int(q[given[0].0]!), (1...3650).contains(n) {
                    length = ClockLength(n, given[0].1)
                } else {
                    c.add(given[0].0, "must be an integer from 1 to 3650")
                }
                let region = c.optionalText("region_code", q["region_code"], maxLength: 64)
                try c.throwIfAny()
                let calc = DeadlineCalculator(calendar: try await s.db.config.current(s.db, zone: s.zone).calendar, zone: s.zone)
                let deadline = calc.deadline(from: from, length, region: region)
                return try json(DeadlineAnswer(from: from, deadline: deadline, amount: length.amount, unit: length.unit.rawValue, regionCode: region,
                                               provisional: calc.isProvisional(start: from, deadline: deadline, unit: length.unit)))
            },
            // The router needs one parameter name per position: GET reads a year in {date}.
            Endpoint(.get, "/v1/calendar/{date}", .anyUser) { req, ctx in
                let q = try req.query(allowed: pageParameters)
                guard let year = ctx.parameters.get("date").flatMap({ Int($0) }), (2000...2100).contains(year) else {
                    throw APIError.badRequest("year", "must be a year from 2000 to 2100")
                }
                let published = try await s.calendar.years()[year] ?? false
                let page = try Page.slice(try await s.calendar.year(year), q) { "\($0.date) \($0.regionCode ?? "")" }
                return try json(YearAnswer(year: year, published: published,
                                           provisionalHolidays: published ? [] : StatutoryHolidays.days(year).map(\.description),
                                           warning: Self.warning(year: year, published: published, now: s.clock.now(), zone: s.zone),
                                           items: page.items, nextCursor: page.nextCursor))
            },
            Endpoint(.put, "/v1/calendar/{date}/published", .admin) { req, ctx in
                guard let year = ctx.parameters.get("date").flatMap({ Int($0) }), (2000...2100).contains(year) else {
                    throw APIError.badRequest("year", "must be a year from 2000 to 2100")
                }
                let b = try await req.optionalJSONBody(PublishBody.self, context: ctx) ?? PublishBody()
                let (_, moved) = try await s.calendar.publish(year, b.published ?? true, zone: s.zone, now: s.clock.now())
                return try json(["year": String(year), "published": String(b.published ?? true), "deadlines_moved": String(moved)])
            },
            Endpoint(.put, "/v1/calendar/{date}", .admin) { req, ctx in
                let day = try Self.day(ctx)
                let b = try await req.jsonBody(DayBody.self, context: ctx)
                var c = FieldChecker()
                let kind: WorkingCalendar.Kind? = c.enumValue("kind", b.kind, required: true)
                let note = c.optionalText("note", b.note, maxLength: 200) ?? ""
                let region = c.optionalText("region_code", b.regionCode, maxLength: 64)
                try c.throwIfAny()
                _ = try await s.calendar.edit(day, kind: kind!, note: note, region: region, zone: s.zone, now: s.clock.now())
                return try json(CalendarStore.Entry(date: day.description, kind: kind!.rawValue, note: note, regionCode: region))
            },
            Endpoint(.delete, "/v1/calendar/{date}", .admin) { req, ctx in
                let day = try Self.day(ctx)
                let q = try req.query(allowed: ["region_code"])
                guard try await s.calendar.remove(day, region: q["region_code"], zone: s.zone, now: s.clock.now()).removed else {
                    throw APIError.notFound("calendar exception on \(day)")
                }
                return Response(status: .noContent)
            },
        ]
    }

    /// Each December, while next year's notice is not loaded, the admin is warned.
    static func warning(year: Int, published: Bool, now: Date, zone: ServiceClockZone) -> String? {
        let today = zone.localDay(of: now)
        guard !published, today.month == 12, year == today.year + 1 else { return nil }
        return "the \(year) holiday notice is not loaded: deadlines into \(year) are provisional (weekends and statutory holidays only)"
    }

    static func day(_ ctx: AppContext) throws -> LocalDay {
        guard let raw = ctx.parameters.get("date"), let day = LocalDay(iso: raw) else {
            throw APIError.badRequest("date", "must be a date like 2026-10-01")
        }
        return day
    }
}
