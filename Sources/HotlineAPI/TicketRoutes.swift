import Foundation
import HotlineCore
import HotlineStore
import HTTPTypes
import Hummingbird

/// Intake (受理), reads, lists and the caller's public progress lookup.
struct TicketRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    static let listParameters: Set<String> = [
        "status", "unit_id", "hotline_number", "channel", "nature", "category_code", "region_code",
        "received_from", "received_to", "q", "limit", "cursor", "overdue",
    ]

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/tickets", .roles([.agent, .dispatcher, .partner])) { req, ctx in
                let principal = try ctx.requirePrincipal
                let key = try idempotencyKey(req)
                let raw = try await req.jsonBody(TicketIntake.Raw.self, context: ctx)
                let now = s.clock.now()
                let intake = try TicketIntake.validate(raw, now: now)
                if principal.role == .partner, let b = principal.partner, !b.mayRegister(hotline: intake.hotlineNumber, channel: intake.channel) {
                    throw APIError(.forbidden, "Forbidden",
                                   "this partner registers tickets only for hotline \(b.hotlineNumber) on channels \(b.channels.map(\.rawValue).joined(separator: ", "))",
                                   errors: [FieldError(intake.hotlineNumber == b.hotlineNumber ? "channel" : "hotline_number", "not this partner's")])
                }
                let result = try await s.tickets.create(intake, actor: principal, idempotencyKey: key, source: .api, now: now)
                if result.created {
                    s.intakeCounter.created(hotline: intake.hotlineNumber, source: "api")
                    ctx.logger.info("ticket registered", metadata: ["ticket_id": "\(result.ticket.id)", "hotline": "\(intake.hotlineNumber)"])
                }
                // Independent reads, side by side: the duplicate shortlist and the knowledge-base suggestions.
                async let duplicates = s.tickets.duplicateCandidates(for: result.ticket, fingerprint: result.fingerprint)
                async let suggestions = s.knowledge.suggest(result.ticket.title + " " + result.ticket.content, limit: 3, now: s.clock.now())
                let view = IntakeView(ticket: shape(result.ticket, for: principal), duplicateCandidates: try await duplicates, kbSuggestions: try await suggestions.map(KBSuggestion.init))
                // A replay answers like the original (201) and says it is one.
                return try json(view, status: .created,
                                headers: result.created ? [.location: "/v1/tickets/\(result.ticket.id)"]
                                                        : [.location: "/v1/tickets/\(result.ticket.id)", HTTPField.Name("Idempotent-Replayed")!: "true"])
            },
            Endpoint(.get, "/v1/tickets", .roles(Set.all.union([.partner]))) { req, ctx in
                let principal = try ctx.requirePrincipal
                let filter = try parseFilter(try req.query(allowed: Self.listParameters))
                let (items, next) = try await s.tickets.list(filter, for: principal)
                let shaped = items.map { shape($0, for: principal) }
                try await logAccess(.list, shaped, principal, ctx)
                return try json(Page(items: shaped, nextCursor: next?.encoded))
            },
            Endpoint(.get, "/v1/tickets/{id}", .roles(Set.all.union([.partner]))) { _, ctx in
                try await detailResponse(id: try ctx.id(what: "ticket"), for: try ctx.requirePrincipal, ctx)
            },
            Endpoint(.post, "/v1/tickets/{id}/reveal", .roles([.handler])) { req, ctx in
                // A unit may see a caller's details in full only for a reason, and it is logged.
                let principal = try ctx.requirePrincipal
                let id = try ctx.id(what: "ticket")
                let body = try await req.jsonBody(RevealBody.self, context: ctx)
                var c = FieldChecker()
                let reason = c.requiredText("reason", body.reason, maxLength: 500)
                try c.throwIfAny()
                guard let t = try await s.tickets.ticket(id: id), try await s.tickets.isVisible(ticketId: id, to: principal) else {
                    throw APIError.notFound("ticket \(id)")
                }
                if t.confidential {
                    throw APIError(.forbidden, "Forbidden", "a confidential ticket's caller is not shown to units; the hotline center calls back")
                }
                try await s.accessLog.record(.reveal, by: principal, tickets: [(id, AccessLog.fields(t.caller))], requestId: ctx.requestId, reason: reason!)
                return try json(RevealAnswer(ticketId: t.id, caller: t.caller), headers: [.cacheControl: "no-store"])
            },
            Endpoint(.get, "/v1/units/{id}/inbox", .anyUser) { req, ctx in
                let principal = try ctx.requirePrincipal
                let unit = try ctx.id(what: "unit")
                let q = try req.query(allowed: ["state", "limit", "cursor"])
                guard try await s.reference.unit(id: unit) != nil,
                      try await s.reference.unit(unit, isWithin: principal) else { throw APIError.notFound("unit \(unit)") }
                var f = try parseFilter(q.filter { $0.key != "state" })
                f.activeUnitId = unit
                f.now = s.clock.now()
                switch q["state"] {
                case nil: break
                // A reopened ticket is signed for again: it waits with the new ones.
                case "to_accept": f.statuses = [TicketStatus.dispatched, .reopened].map(\.rawValue)
                case "in_progress": f.statuses = [TicketStatus.accepted, .extensionRequested, .suspensionRequested, .suspended, .replied].map(\.rawValue)
                case "returned": f.statuses = [TicketStatus.returnRequested.rawValue]
                case "overdue": f.overdue = true
                default: throw APIError.badRequest("state", "unknown value; one of: to_accept, in_progress, overdue, returned")
                }
                let (items, next) = try await s.tickets.list(f, for: principal)
                let shaped = items.map { shape($0, for: principal) }
                try await logAccess(.list, shaped, principal, ctx)
                return try json(Page(items: shaped, nextCursor: next?.encoded))
            },
            Endpoint(.get, "/v1/tickets/by-number/{number}", .open) { req, ctx in
                // Same time for right and wrong codes: every answer waits out the same floor.
                let started = ContinuousClock.now
                func answer(_ r: Response) async throws -> Response {
                    try? await Task.sleep(until: started + .milliseconds(Self.lookupFloorMilliseconds))
                    return r
                }
                let q = try req.query(allowed: ["code"])
                let number = ctx.parameters.get("number") ?? ""
                guard let code = q["code"], code.count == 6, code.allSatisfy(\.isNumber) else {
                    throw APIError.badRequest("code", "the 6-digit query code given to the caller is required")
                }
                let address = ctx.remoteAddress ?? "unknown"
                if let wait = s.lookupFailures.blocked(address) {
                    throw APIError(.tooManyRequests, "Too many requests", "too many failed lookups from this address; retry in \(wait) s",
                                   extra: ["retry_after": String(wait)])
                }
                guard TicketNumber.isWellFormed(number) else {
                    s.lookupFailures.fail(address)
                    throw APIError.notFound("ticket \(number.prefix(24)) with this code")
                }
                switch try await s.tickets.lookup(number: number, code: code) {
                case .found(let p):
                    return try await answer(try json(p, headers: [.cacheControl: "no-store"]))
                case .throttled(let wait):
                    s.lookupFailures.fail(address)
                    _ = try? await answer(Response(status: .ok))
                    throw APIError(.tooManyRequests, "Too many requests", "too many wrong codes for this number; retry in \(wait) s",
                                   extra: ["retry_after": String(wait)])
                case .notFound:
                    s.lookupFailures.fail(address)
                    _ = try? await answer(Response(status: .ok))
                    throw APIError.notFound("ticket \(number.prefix(24)) with this code")
                }
            },
        ]
    }

    /// Every progress lookup takes at least this long, found or not.
    static let lookupFloorMilliseconds = 150

    func detailResponse(id: Int64, for principal: Principal, _ ctx: AppContext) async throws -> Response {
        guard let d = try await s.tickets.detail(id: id, for: principal, now: s.clock.now()) else { throw APIError.notFound("ticket \(id)") }
        let shown = shape(d.ticket, for: principal)
        try await logAccess(.read, [shown], principal, ctx)
        return try json(DetailView(ticket: shown, assignments: d.assignments,
                                   escalations: d.escalations, callbacks: d.callbacks, events: d.events),
                        headers: [.eTag: "\"\(d.ticket.version)\""])
    }

    /// Every response that shows callers' unmasked personal data leaves an access-log row.
    func logAccess(_ action: AccessLog.Action, _ tickets: [Ticket], _ p: Principal, _ ctx: AppContext) async throws {
        guard p.role != .handler && p.role != .partner else { return }  // units and partners see masked data only
        let shown = tickets.compactMap { t in Int64(t.id).map { ($0, AccessLog.fields(t.caller)) } }
        try await s.accessLog.record(action, by: p, tickets: shown, requestId: ctx.requestId)
    }

    /// What a principal may see of a ticket: units and partners get the caller masked (and nothing of a
    /// confidential ticket's caller) and not the query code meant for the caller.
    func shape(_ t: Ticket, for p: Principal) -> Ticket {
        p.role == .handler || p.role == .partner ? t.asUnitSeesIt : t
    }

    func idempotencyKey(_ req: Request) throws -> String? {
        guard let key = req.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw APIError.badRequest("Idempotency-Key", "must be 1 to 200 visible ASCII characters")
        }
        return key
    }

    func parseFilter(_ q: [String: String]) throws -> TicketFilter {
        var f = TicketFilter()
        var c = FieldChecker()
        if let s = q["status"] {
            let parts = s.split(separator: ",").map(String.init)
            let bad = parts.filter { TicketStatus(rawValue: $0) == nil }
            if parts.isEmpty || !bad.isEmpty {
                c.add("status", "unknown value '\(bad.first?.prefix(30) ?? "")'; one or more (comma-separated) of: \(TicketStatus.allowedList)")
            } else { f.statuses = parts }
        }
        if let v = q["channel"] { let ch: Channel? = c.enumValue("channel", v, required: false); f.channel = ch?.rawValue }
        if let v = q["nature"] { let n: Nature? = c.enumValue("nature", v, required: false); f.nature = n?.rawValue }
        f.hotlineNumber = c.optionalText("hotline_number", q["hotline_number"], maxLength: 8)
        f.categoryCode = c.optionalText("category_code", q["category_code"], maxLength: 64)
        f.regionCode = c.optionalText("region_code", q["region_code"], maxLength: 64)
        f.text = c.optionalText("q", q["q"], maxLength: 100)
        if let u = q["unit_id"] { if let v = Int64(u) { f.unitId = v } else { c.add("unit_id", "must be a unit id") } }
        for (name, keyPath) in [("received_from", \TicketFilter.receivedFrom), ("received_to", \TicketFilter.receivedTo)] {
            if let v = q[name] {
                if let d = Timestamp.parse(v) { f[keyPath: keyPath] = d } else { c.add(name, "must be an RFC 3339 time with offset") }
            }
        }
        if let o = q["overdue"] {
            switch o {
            case "true": f.overdue = true; f.now = s.clock.now()
            case "false": break
            default: c.add("overdue", "must be true or false")
            }
        }
        if let cur = q["cursor"] {
            if let cursor = TicketCursor(encoded: cur) { f.cursor = cursor } else { c.add("cursor", "is not a cursor this service issued") }
        }
        try c.throwIfAny()
        f.limit = try pageLimit(q["limit"])
        return f
    }
}

/// A knowledge-base entry offered to the agent for the caller's words.
struct KBSuggestion: Encodable {
    var entryId: String
    var code: String
    var version: Int
    var title: String
    var score: Double
    var highlight: String
    var responsibleUnitId: String?

    init(_ s: KnowledgeStore.Suggestion) {
        entryId = s.entryId; code = s.summary.code; version = s.summary.version; title = s.summary.title
        score = s.score; highlight = s.highlight; responsibleUnitId = s.summary.responsibleUnitId
    }
}

struct RevealBody: Decodable {
    var reason: String?
}

struct RevealAnswer: Encodable {
    var ticketId: String
    var caller: Caller?
}

struct IntakeView: Encodable {
    var ticket: Ticket
    var duplicateCandidates: [DuplicateCandidate]
    var kbSuggestions: [KBSuggestion]
    func encode(to encoder: any Encoder) throws {
        try ticket.encode(to: encoder)
        var c = encoder.container(keyedBy: K.self)
        try c.encode(duplicateCandidates, forKey: .duplicateCandidates)
        try c.encode(kbSuggestions, forKey: .kbSuggestions)
    }
    enum K: String, CodingKey { case duplicateCandidates, kbSuggestions }
}

struct DetailView: Encodable {
    var ticket: Ticket
    var assignments: [TicketStore.Assignment]
    var escalations: [TicketStore.Escalation]
    var callbacks: [TicketStore.CallbackEntry]
    var events: [TicketEvent]
    func encode(to encoder: any Encoder) throws {
        try ticket.encode(to: encoder)
        var c = encoder.container(keyedBy: K.self)
        try c.encode(assignments, forKey: .assignments)
        try c.encode(escalations, forKey: .escalations)
        try c.encode(callbacks, forKey: .callbacks)
        try c.encode(events, forKey: .events)
    }
    enum K: String, CodingKey { case assignments, escalations, callbacks, events }
}
