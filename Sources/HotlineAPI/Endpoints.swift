import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird

/// One row of the API: method, path as written in the OpenAPI document, who may call it, and the
/// handler. Authentication and the role check happen here, in one place, for every endpoint.
public struct Endpoint: Sendable {
    public enum Access: Sendable, Equatable {
        case open                 // service endpoints and the caller's progress lookup
        case roles(Set<Role>)     // authenticated, one of these roles
    }

    public var method: HTTPRequest.Method
    public var path: String
    public var access: Access
    public var handler: @Sendable (inout Request, AppContext) async throws -> Response

    public init(_ method: HTTPRequest.Method, _ path: String, _ access: Access,
                _ handler: @escaping @Sendable (inout Request, AppContext) async throws -> Response) {
        self.method = method; self.path = path; self.access = access; self.handler = handler
    }

    /// `/v1/units/{id}` → `/v1/units/:id` for the router.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { seg -> String in
            seg.hasPrefix("{") && seg.hasSuffix("}") ? ":" + seg.dropFirst().dropLast() : String(seg)
        }.joined(separator: "/")
    }
}

extension Set where Element == Role {
    static let all = Set(Role.allCases)
    /// Hotline-center staff who read tickets and reference data.
    static let center: Set<Role> = [.agent, .dispatcher, .callback, .supervisor, .admin, .auditor]
}

extension Endpoint.Access {
    static let anyUser = Endpoint.Access.roles(.all)
    static let admin = Endpoint.Access.roles([.admin])
}

/// Resolves the bearer token and checks the role before the handler runs.
struct Authenticator: Sendable {
    let users: UserStore

    func authorize(_ request: Request, _ context: inout AppContext, _ access: Endpoint.Access) async throws {
        guard case .roles(let roles) = access else { return }
        guard let header = request.headers[.authorization] else { throw APIError.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.unauthorized }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard (16...200).contains(token.count), token.allSatisfy({ $0.isASCII }) else { throw APIError.unauthorized }
        guard let principal = try await users.authenticate(token: token) else { throw APIError.unauthorized }
        guard roles.contains(principal.role) else { throw APIError.forbidden(principal.role) }
        context.principal = principal
        context.logger[metadataKey: "user_id"] = "\(principal.userId)"
        context.logger[metadataKey: "role"] = "\(principal.role.rawValue)"
    }
}

extension Router where Context == AppContext {
    func register(_ endpoints: [Endpoint], auth: Authenticator) {
        for e in endpoints {
            let handler = e.handler
            let access = e.access
            on(RouterPath(e.routerPath), method: e.method) { request, context -> Response in
                var context = context
                var request = request
                try await auth.authorize(request, &context, access)
                return try await handler(&request, context)
            }
        }
    }
}
