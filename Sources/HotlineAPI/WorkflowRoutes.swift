import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird

/// The lifecycle verbs, `POST /v1/tickets/{id}/<verb>`, each answering the updated ticket.
struct WorkflowRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    static let verbs: [Verb] = Verb.allCases

    var endpoints: [Endpoint] {
        Self.verbs.map { verb in
            Endpoint(.post, "/v1/tickets/{id}/\(verb.rawValue)", .roles(verb.roles)) { req, ctx in
                let principal = try ctx.requirePrincipal
                let id = try ctx.id(what: "ticket")
                let ifMatch = try Self.ifMatch(req)
                let body = [.accept, .resume].contains(verb) ? try await req.optionalJSONBody(TicketAction.Raw.self, context: ctx)
                                                               : try await req.jsonBody(TicketAction.Raw.self, context: ctx)
                let raw = verb == .accept ? TicketAction.Raw() : (body ?? TicketAction.Raw())
                let action = try TicketAction.validate(verb, raw)
                try await s.workflow.apply(action, to: id, by: principal, ifMatch: ifMatch)
                return try await TicketRoutes(s).detailResponse(id: id, for: principal, ctx)
            }
        }
    }

    /// `If-Match: 3` or `If-Match: "3"` (an ETag-style quoted version).
    static func ifMatch(_ req: Request) throws -> Int? {
        guard var v = req.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if v.hasPrefix("W/") { v.removeFirst(2) }
        v = v.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard let n = Int(v), n > 0 else { throw APIError.badRequest("If-Match", "must be the ticket's version number") }
        return n
    }
}
