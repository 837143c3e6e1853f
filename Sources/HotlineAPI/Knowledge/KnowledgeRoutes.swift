import Foundation
import HotlineCore
import HotlineStore
import Hummingbird

/// The knowledge base. Entries are written by admin or by the owner unit's handlers (units keep
/// their own entries current, and name only their own subtree as responsible); synonyms — which
/// every agent's search depends on — are the admin's; everyone signed in reads and searches.
struct KnowledgeRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    static let writers: Endpoint.Access = .roles([.admin, .handler])

    struct SynonymBody: Decodable {
        var term: String?
        var canonical: String?
        var source: String?
    }

    struct SearchAnswer: Encodable {
        var items: [KnowledgeStore.Hit]
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/kb/search", .anyUser) { req, ctx in
                let q = try req.query(allowed: ["q", "limit"])
                var c = FieldChecker()
                let text = c.requiredText("q", q["q"], maxLength: 500)
                try c.throwIfAny()
                var limit = 10
                if let l = q["limit"] {
                    guard let n = Int(l), (1...50).contains(n) else { throw APIError.badRequest("limit", "must be an integer from 1 to 50") }
                    limit = n
                }
                let now = s.clock.now()
                let hits = try await s.knowledge.search(text!, limit: limit, now: now)
                // 知识盲区: the search is logged without personal data; a failure to log costs the log, not the answer.
                do {
                    try await s.learning.logSearch(text!, user: ctx.principal?.userId, results: hits.compactMap { Int64($0.entry.id) },
                                                   topScore: hits.first?.score, at: now)
                } catch { ctx.logger.warning("search not logged", metadata: ["error": "\(String(reflecting: type(of: error)))"]) }
                return try json(SearchAnswer(items: hits))
            },
            Endpoint(.post, "/v1/kb/entries", Self.writers) { req, ctx in
                let p = try ctx.requirePrincipal
                var input = try KnowledgeEntry.validate(try await req.jsonBody(KnowledgeEntry.Raw.self, context: ctx))
                if p.role == .handler {
                    input.ownerUnitId = input.ownerUnitId ?? p.unitId
                    try await requireWithin(input.ownerUnitId, p)
                    try await requireResponsibleWithin(input.responsibleUnitId, p)
                }
                let (entry, _) = try await s.knowledge.save(input, by: p.userId, upsert: false)
                return try json(entry, status: .created)
            },
            Endpoint(.get, "/v1/kb/entries/{id}", .anyUser) { req, ctx in
                let id = try ctx.id(what: "knowledge-base entry")
                let q = try req.query(allowed: ["version"])
                var version: Int? = nil
                if let v = q["version"] {
                    guard let n = Int(v), (1...Int(Int32.max)).contains(n) else { throw APIError.badRequest("version", "must be a version number") }
                    version = n
                }
                guard let e = try await s.knowledge.entry(id: id, version: version) else { throw APIError.notFound("knowledge-base entry \(id)") }
                return try json(e)
            },
            Endpoint(.put, "/v1/kb/entries/{id}", Self.writers) { req, ctx in
                let p = try ctx.requirePrincipal
                let id = try ctx.id(what: "knowledge-base entry")
                guard let current = try await s.knowledge.entry(id: id) else { throw APIError.notFound("knowledge-base entry \(id)") }
                var raw = try await req.jsonBody(KnowledgeEntry.Raw.self, context: ctx)
                if let code = raw.code, code != current.code { throw APIError.badRequest("code", "cannot change; it identifies the entry") }
                raw.code = current.code
                let input = try KnowledgeEntry.validate(raw, codeFromPath: current.code)
                if p.role == .handler {
                    try await requireWithin(current.ownerUnitId.flatMap { Int64($0) }, p)
                    try await requireWithin(input.ownerUnitId ?? current.ownerUnitId.flatMap { Int64($0) }, p)
                    try await requireResponsibleWithin(input.responsibleUnitId, p)
                }
                return try json(try await s.knowledge.update(id: id, input, by: p.userId))
            },
            Endpoint(.get, "/v1/kb/entries/{id}/versions", .anyUser) { req, ctx in
                let q = try req.query(allowed: pageParameters)
                let id = try ctx.id(what: "knowledge-base entry")
                let versions = try await s.knowledge.versions(id: id)
                guard !versions.isEmpty else { throw APIError.notFound("knowledge-base entry \(id)") }
                return try json(Page.slice(versions, q) { String($0.version) })
            },
            Endpoint(.delete, "/v1/kb/entries/{id}", Self.writers) { _, ctx in
                let p = try ctx.requirePrincipal
                let id = try ctx.id(what: "knowledge-base entry")
                guard let current = try await s.knowledge.entry(id: id) else { throw APIError.notFound("knowledge-base entry \(id)") }
                if p.role == .handler { try await requireWithin(current.ownerUnitId.flatMap { Int64($0) }, p) }
                return try json(try await s.knowledge.retire(id: id))
            },
            Endpoint(.get, "/v1/kb/synonyms", .anyUser) { req, _ in
                let q = try req.query(allowed: pageParameters.union(["source"]))
                var c = FieldChecker()
                let source: SynonymTable.Source? = c.enumValue("source", q["source"], required: false)
                try c.throwIfAny()
                return try json(Page.slice(try await s.knowledge.synonyms(source: source), q) { $0.id })
            },
            Endpoint(.post, "/v1/kb/synonyms", .admin) { req, ctx in
                let b = try await req.jsonBody(SynonymBody.self, context: ctx)
                var c = FieldChecker()
                let term = c.requiredText("term", b.term, maxLength: 40)
                let canonical = c.requiredText("canonical", b.canonical, maxLength: 40)
                if let term, term == canonical { c.add("canonical", "must differ from term") }
                let source: SynonymTable.Source = c.enumValue("source", b.source, required: false) ?? .curated
                try c.throwIfAny()
                let (syn, outcome) = try await s.knowledge.addSynonym(term: term!, canonical: canonical!, source: source,
                                                                      by: try ctx.requirePrincipal.userId)
                return try json(syn, status: outcome == .created ? .created : .ok)
            },
            Endpoint(.delete, "/v1/kb/synonyms/{id}", .admin) { _, ctx in
                let id = try ctx.id(what: "synonym")
                guard try await s.knowledge.deleteSynonym(id: id) else { throw APIError.notFound("synonym \(id)") }
                return Response(status: .noContent)
            },
        ]
    }

    /// A handler names as responsible only its unit or a unit below it (the responsible unit
    /// suggests routes: another unit's name would pull its cases away).
    func requireResponsibleWithin(_ unit: Int64?, _ p: Principal) async throws {
        guard let unit else { return }
        guard try await s.reference.unit(unit, isWithin: p) else {
            throw APIError(.forbidden, "Forbidden", "a unit names only itself or a unit below it as responsible",
                           errors: [FieldError("responsible_unit_id", "must be your unit or a unit below it")])
        }
    }

    /// A handler may write only entries owned by its unit or a unit below it.
    func requireWithin(_ unit: Int64?, _ p: Principal) async throws {
        guard let unit, try await s.reference.unit(unit, isWithin: p) else {
            throw APIError(.forbidden, "Forbidden", "a unit maintains only its own entries (and those of units below it)")
        }
    }
}
