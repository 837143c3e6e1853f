import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird
import NIOCore

/// Callback queue, the monthly assessment, hotline volumes, and the assessment's settings.
struct ReportRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    static let readers: Endpoint.Access = .roles([.supervisor, .admin, .auditor, .dispatcher])

    struct SettingsBody: Decodable {
        var responseWeight: Double?
        var resolutionWeight: Double?
        var satisfactionWeight: Double?
        var basicallySatisfiedWeight: Double?
        var answerSamplePercent: Int?
        var missingRate: String?
        var kbRouting: Bool?
    }

    struct HotlineReport: Encodable {
        var month: String
        var generatedAt: Date
        var items: [ReportStore.HotlineVolume]
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/callbacks/due", .roles([.callback, .supervisor, .dispatcher, .admin])) { req, ctx in
                let q = try req.query(allowed: ["limit", "cursor"])
                let limit = try pageLimit(q["limit"])
                var after: (Date, Int64)? = nil
                if let c = q["cursor"] {
                    guard let cur = TicketCursor(encoded: c) else { throw APIError.badRequest("cursor", "is not a cursor this service issued") }
                    after = (Date(timeIntervalSince1970: Double(cur.receivedAtMicros) / 1_000_000), cur.id)
                }
                let items = try await s.reports.callbacksDue(limit: limit + 1, after: after)
                var next: String? = nil
                if items.count > limit, let last = items.dropLast().last {
                    next = TicketCursor(receivedAtMicros: Int64((last.callbackDueAt.timeIntervalSince1970 * 1_000_000).rounded()), id: Int64(last.ticket.id) ?? 0).encoded
                }
                let page = Array(items.prefix(limit))
                try await TicketRoutes(s).logAccess(.list, page.map(\.ticket), try ctx.requirePrincipal, ctx)
                return try json(Page(items: page, nextCursor: next))
            },
            Endpoint(.get, "/v1/audit", .roles([.auditor, .admin])) { req, _ in
                let q = try req.query(allowed: ["ticket_id", "actor", "from", "to", "kind", "limit", "cursor", "events_cursor"])
                var c = FieldChecker()
                var ticket: Int64? = nil, before: Int64? = nil, from: Date? = nil, to: Date? = nil
                if let t = q["ticket_id"] { if let v = Int64(t) { ticket = v } else { c.add("ticket_id", "must be a ticket id") } }
                if let v = q["cursor"] { if let n = Int64(v) { before = n } else { c.add("cursor", "is not a cursor this service issued") } }
                var eventsBefore: Int64? = nil
                if let v = q["events_cursor"] { if let n = Int64(v) { eventsBefore = n } else { c.add("events_cursor", "is not a cursor this service issued") } }
                let kind = c.optionalText("kind", q["kind"], maxLength: 64)
                if let v = q["from"] { if let d = Timestamp.parse(v) { from = d } else { c.add("from", "must be an RFC 3339 time with offset") } }
                if let v = q["to"] { if let d = Timestamp.parse(v) { to = d } else { c.add("to", "must be an RFC 3339 time with offset") } }
                let actor = c.optionalText("actor", q["actor"], maxLength: 64)
                try c.throwIfAny()
                let limit = try pageLimit(q["limit"])
                let rows = try await s.accessLog.search(ticketId: ticket, actor: actor, from: from, to: to, limit: limit + 1, beforeId: before)
                let page = Array(rows.prefix(limit))
                // Events as well as access-log rows, with the same filters (and `kind`), newest first.
                let found = try await s.tickets.eventSearch(ticketId: ticket, actor: actor, from: from, to: to, kind: kind,
                                                            limit: limit + 1, beforeId: eventsBefore)
                let events = Array(found.prefix(limit))
                return try json(AuditAnswer(items: page, nextCursor: rows.count > limit ? page.last?.id : nil, events: events,
                                            eventsNextCursor: found.count > limit ? events.last?.id : nil))
            },
            Endpoint(.get, "/v1/reports/monthly", Self.readers) { req, _ in
                let q = try req.query(allowed: ["month", "level", "format"])
                var c = FieldChecker()
                let month = q["month"].flatMap(ReportStore.Month.init)
                if month == nil { c.add("month", "is required, like 2026-10") }
                let level: UnitLevel? = c.enumValue("level", q["level"], required: false)
                let format = q["format"] ?? "json"
                if !["json", "csv", "xlsx"].contains(format) { c.add("format", "unknown value; one of: json, csv, xlsx") }
                try c.throwIfAny()
                let report = try await MonthlyReport.build(store: s.reports, month: month!, level: level, now: s.clock.now())
                let name = "assessment-\(month!.text)\(level.map { "-\($0.rawValue)" } ?? "")"
                switch format {
                case "csv":
                    return Self.file(report.csv(), type: "text/csv; charset=utf-8", name: name + ".csv")
                case "xlsx":
                    return Self.file(try report.xlsx(), type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name: name + ".xlsx")
                default:
                    return try json(report)
                }
            },
            Endpoint(.get, "/v1/reports/hotlines", Self.readers) { req, _ in
                let q = try req.query(allowed: ["month"])
                guard let month = q["month"].flatMap(ReportStore.Month.init) else { throw APIError.badRequest("month", "is required, like 2026-10") }
                return try json(HotlineReport(month: month.text, generatedAt: s.clock.now(), items: try await s.reports.hotlineVolumes(month: month)))
            },
            Endpoint(.get, "/v1/assessment-settings", Self.readers) { _, _ in
                try json(try await s.reports.settings())
            },
            Endpoint(.put, "/v1/assessment-settings", .admin) { req, ctx in
                let b = try await req.jsonBody(SettingsBody.self, context: ctx)
                var c = FieldChecker()
                var settings = try await s.reports.settings()
                func weight(_ field: String, _ v: Double?, _ range: ClosedRange<Double>) -> Double? {
                    guard let v else { return nil }
                    guard v.isFinite, range.contains(v) else { c.add(field, "must be from \(range.lowerBound) to \(range.upperBound)"); return nil }
                    return v
                }
                settings.responseWeight = weight("response_weight", b.responseWeight, 0...1) ?? settings.responseWeight
                settings.resolutionWeight = weight("resolution_weight", b.resolutionWeight, 0...1) ?? settings.resolutionWeight
                settings.satisfactionWeight = weight("satisfaction_weight", b.satisfactionWeight, 0...1) ?? settings.satisfactionWeight
                settings.basicallySatisfiedWeight = weight("basically_satisfied_weight", b.basicallySatisfiedWeight, 0...1) ?? settings.basicallySatisfiedWeight
                if let p = b.answerSamplePercent {
                    if (0...100).contains(p) { settings.answerSamplePercent = p } else { c.add("answer_sample_percent", "must be from 0 to 100") }
                }
                if let m = b.missingRate {
                    if let v = AssessmentSettings.MissingRate(rawValue: m) { settings.missingRate = v }
                    else { c.add("missing_rate", "unknown value '\(m.prefix(40))'; one of: \(AssessmentSettings.MissingRate.allowedList)") }
                }
                if let k = b.kbRouting { settings.kbRouting = k }
                if settings.responseWeight + settings.resolutionWeight + settings.satisfactionWeight <= 0 {
                    c.add("response_weight", "the three weights must not all be zero")
                }
                try c.throwIfAny()
                return try json(try await s.reports.saveSettings(settings))
            },
        ]
    }

    struct AuditAnswer: Encodable {
        var items: [AccessLog.Entry]
        var nextCursor: String?
        var events: [TicketEvent]
        var eventsNextCursor: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode(items, forKey: .items)
            try c.encode(nextCursor, forKey: .nextCursor)
            try c.encode(events, forKey: .events)
            try c.encode(eventsNextCursor, forKey: .eventsNextCursor)
        }
        enum K: String, CodingKey { case items, nextCursor, events, eventsNextCursor }
    }

    static func file(_ data: Data, type: String, name: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
