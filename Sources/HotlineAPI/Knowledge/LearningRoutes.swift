import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// Knowledge that learns (API.md "Knowledge base additions"): an entry's learned phrasings for its
/// owner unit and admin; 纠错 feedback, flagged by the center's seats and resolved by the owner
/// unit; 知识盲区 for supervisors.
struct LearningRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    static let flaggers: Endpoint.Access = .roles([.agent, .dispatcher, .callback, .admin])
    static let feedbackReaders: Endpoint.Access = .roles([.agent, .dispatcher, .callback, .supervisor, .admin, .auditor, .handler])

    struct GapsAnswer: Encodable {
        var from: Date
        var to: Date
        var searches: Int
        var items: [KnowledgeGaps.Gap]
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/kb/entries/{id}/phrasings", KnowledgeRoutes.writers) { req, ctx in
                let q = try req.query(allowed: pageParameters)
                let id = try ctx.id(what: "knowledge-base entry")
                try await requireOwner(of: id, ctx)
                guard let all = try await s.learning.phrasings(entry: id) else { throw APIError.notFound("knowledge-base entry \(id)") }
                return try json(Page.slice(all, q) { $0.id })
            },
            Endpoint(.delete, "/v1/kb/entries/{id}/phrasings/{pid}", KnowledgeRoutes.writers) { _, ctx in
                let id = try ctx.id(what: "knowledge-base entry")
                guard let pid = ctx.parameters.get("pid").flatMap({ Int64($0) }), pid > 0 else { throw APIError.notFound("phrasing") }
                try await requireOwner(of: id, ctx)
                guard try await s.learning.remove(entry: id, phrasing: pid, by: try ctx.requirePrincipal.userId) else {
                    throw APIError.notFound("phrasing \(pid) of entry \(id)")
                }
                return Response(status: .noContent)
            },
            Endpoint(.post, "/v1/kb/entries/{id}/feedback", Self.flaggers) { req, ctx in
                let id = try ctx.id(what: "knowledge-base entry")
                let (kind, note) = try KnowledgeFeedback.validateFlag(try await req.jsonBody(KnowledgeFeedback.Raw.self, context: ctx))
                let f = try await s.feedback.flag(entry: id, kind: kind, note: note, by: try ctx.requirePrincipal.userId, now: s.clock.now())
                return try json(f, status: .created, headers: [.location: "/v1/kb/feedback/\(f.id)"])
            },
            Endpoint(.get, "/v1/kb/feedback", Self.feedbackReaders) { req, ctx in
                let p = try ctx.requirePrincipal
                let q = try req.query(allowed: pageParameters.union(["state", "unit_id"]))
                var c = FieldChecker()
                let state: KnowledgeFeedback.State? = c.enumValue("state", q["state"], required: false)
                var unit: Int64? = nil
                if let raw = q["unit_id"] {
                    if let v = Int64(raw), v > 0 { unit = v } else { c.add("unit_id", "must be a unit id") }
                }
                try c.throwIfAny()
                let limit = try pageLimit(q["limit"])
                var within: Int64? = nil
                if p.role == .handler {
                    guard let mine = p.unitId else { return try json(Page<FeedbackStore.Feedback>(items: [], nextCursor: nil)) }
                    within = mine
                }
                let rows = try await s.feedback.list(state: state, unit: unit, within: within, after: try idCursor(q["cursor"]),
                                                     limit: limit, now: s.clock.now())
                return try json(Page.trimmed(rows, limit: limit) { $0.id })
            },
            Endpoint(.get, "/v1/kb/feedback/{id}", Self.feedbackReaders) { _, ctx in
                let id = try ctx.id(what: "feedback")
                guard let f = try await s.feedback.get(id, now: s.clock.now()), try await mayResolve(f, try ctx.requirePrincipal, reading: true) else {
                    throw APIError.notFound("feedback \(id)")
                }
                return try json(f)
            },
            Endpoint(.post, "/v1/kb/feedback/{id}/resolve", KnowledgeRoutes.writers) { req, ctx in
                let p = try ctx.requirePrincipal
                let id = try ctx.id(what: "feedback")
                let (resolution, note) = try KnowledgeFeedback.validateResolution(try await req.jsonBody(KnowledgeFeedback.Raw.self, context: ctx))
                let f = try await s.feedback.resolve(id, resolution: resolution, note: note, by: p.userId, now: s.clock.now()) { f in
                    // Another unit's task does not exist for this handler.
                    guard try await mayResolve(f, p, reading: false) else { throw APIError.notFound("feedback \(id)") }
                }
                return try json(f)
            },
            Endpoint(.get, "/v1/kb/gaps", .roles([.supervisor, .admin])) { req, _ in
                let q = try req.query(allowed: ["from", "to", "limit"])
                var c = FieldChecker()
                let now = s.clock.now()
                var from = now.addingTimeInterval(-30 * 86400), to = now
                if let v = q["from"] { if let d = Timestamp.parse(v) { from = d } else { c.add("from", "must be an RFC 3339 time with offset") } }
                if let v = q["to"] { if let d = Timestamp.parse(v) { to = d } else { c.add("to", "must be an RFC 3339 time with offset") } }
                if from >= to { c.add("to", "must be after from") }
                var limit = 100
                if let l = q["limit"] {
                    if let n = Int(l), (1...500).contains(n) { limit = n } else { c.add("limit", "must be an integer from 1 to 500") }
                }
                try c.throwIfAny()
                let (gaps, searches) = try await s.learning.gaps(from: from, to: to, now: now, limit: limit)
                return try json(GapsAnswer(from: from, to: to, searches: searches, items: gaps))
            },
        ]
    }

    /// Learned phrasings come from citizens' calls: only the entry's owner unit (or a unit above
    /// it) and admin read and remove them.
    func requireOwner(of entry: Int64, _ ctx: AppContext) async throws {
        let p = try ctx.requirePrincipal
        guard p.role == .handler else { return }
        guard let e = try await s.knowledge.entry(id: entry) else { throw APIError.notFound("knowledge-base entry \(entry)") }
        try await KnowledgeRoutes(s).requireWithin(e.ownerUnitId.flatMap { Int64($0) }, p)
    }

    /// A handler reads and resolves the tasks of its unit and the units below it; the center's
    /// roles read every task, and only admin resolves for any unit.
    func mayResolve(_ f: FeedbackStore.Feedback, _ p: Principal, reading: Bool) async throws -> Bool {
        switch p.role {
        case .admin: return true
        case .handler:
            guard let owner = f.ownerUnitId.flatMap({ Int64($0) }) else { return false }
            return try await s.reference.unit(owner, isWithin: p)
        default: return reading
        }
    }
}
