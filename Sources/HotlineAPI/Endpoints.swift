import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird
import NIOConcurrencyHelpers

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
    /// Every role of the hotline and its units; partners (other systems) are named where they may come.
    static let all = Set(Role.allCases).subtracting([.partner])
    /// Hotline-center staff who read tickets and reference data.
    static let center: Set<Role> = [.agent, .dispatcher, .callback, .supervisor, .admin, .auditor]
}

extension Endpoint.Access {
    static let anyUser = Endpoint.Access.roles(.all)
    static let admin = Endpoint.Access.roles([.admin])
}

/// Resolves the bearer token and checks the role before the handler runs. Failed attempts are
/// counted per client address: too many within a minute and the address must wait (429).
struct Authenticator: Sendable {
    let users: UserStore
    let failures: FailureThrottle
    let cache: PrincipalCache

    init(users: UserStore, failuresPerMinute: Int, cache: PrincipalCache) {
        self.users = users
        self.failures = FailureThrottle(limit: failuresPerMinute, window: 60)
        self.cache = cache
    }

    func authorize(_ request: Request, _ context: inout AppContext, _ access: Endpoint.Access) async throws {
        guard case .roles(let roles) = access else { return }
        let address = context.remoteAddress ?? "unknown"
        if let wait = failures.blocked(address) {
            throw APIError(.tooManyRequests, "Too many requests", "too many failed authentications; retry in \(wait) s",
                           extra: ["retry_after": String(wait)])
        }
        guard let principal = try await principal(headers: request.headers) else {
            failures.fail(address)
            throw APIError.unauthorized
        }
        guard roles.contains(principal.role) else { throw APIError.forbidden(principal.role) }
        context.principal = principal
        context.logger[metadataKey: "user_id"] = "\(principal.userId)"
        context.logger[metadataKey: "role"] = "\(principal.role.rawValue)"
    }
}

extension Authenticator {
    func principal(headers: HTTPFields) async throws -> Principal? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard (16...200).contains(token.count), token.allSatisfy({ $0.isASCII }) else { return nil }
        if let p = cache.get(token) { return p }
        let p = try await users.authenticate(token: token)
        if let p { cache.put(token, p) }
        return p
    }
}

/// Tokens seen in the last few seconds, so a console's burst of requests costs one lookup.
/// Used only while this process listens for revocations (`RevocationListener`), which empties
/// it on every instance the moment a token is revoked anywhere.
public final class PrincipalCache: Sendable {
    let ttl: Double
    private let entries = NIOLockedValueBox<[String: (Principal, Double)]>([:])
    private let enabled = NIOLockedValueBox(false)

    public init(ttl: Double = 5) { self.ttl = ttl }

    public var isEnabled: Bool { enabled.withLockedValue { $0 } }
    public func setEnabled(_ on: Bool) { enabled.withLockedValue { $0 = on } }

    func get(_ token: String) -> Principal? {
        guard isEnabled else { return nil }
        let now = Date().timeIntervalSince1970
        return entries.withLockedValue { map in
            guard let (p, at) = map[token], now - at < ttl else { return nil }
            return p
        }
    }

    func put(_ token: String, _ p: Principal) {
        guard isEnabled else { return }
        let now = Date().timeIntervalSince1970
        entries.withLockedValue { map in
            if map.count > 10_000 { map = map.filter { now - $0.value.1 < ttl } }
            map[token] = (p, now)
        }
    }

    public func clear() { entries.withLockedValue { $0.removeAll() } }
}

/// Fixed-window counter of failures per key.
final class FailureThrottle: Sendable {
    let limit: Int
    let window: Int
    private let state = NIOLockedValueBox<[String: (start: Int, count: Int)]>([:])

    init(limit: Int, window: Int) {
        self.limit = limit
        self.window = window
    }

    private var now: Int { Int(Date().timeIntervalSince1970) }

    /// Seconds to wait, or nil when the key may try.
    func blocked(_ key: String) -> Int? {
        let t = now
        return state.withLockedValue { map in
            guard let e = map[key], t - e.start < window, e.count >= limit else { return nil }
            return window - (t - e.start)
        }
    }

    func fail(_ key: String) {
        let t = now
        state.withLockedValue { map in
            if map.count > 10_000 { map = map.filter { t - $0.value.start < window } }
            if let e = map[key], t - e.start < window { map[key] = (e.start, e.count + 1) } else { map[key] = (t, 1) }
        }
    }
}

extension Router where Context == AppContext {
    func register(_ endpoints: [Endpoint], auth: Authenticator, replays: RequestReplays) {
        for e in endpoints {
            let handler = e.handler
            let access = e.access
            let idempotent = RequestReplays.applies(e.method, e.path)
            on(RouterPath(e.routerPath), method: e.method) { request, context -> Response in
                var context = context
                var request = request
                try await auth.authorize(request, &context, access)
                guard idempotent, let principal = context.principal else { return try await handler(&request, context) }
                let ctx = context
                return try await replays.run(&request, principal: principal, requestId: ctx.requestId) { try await handler(&$0, ctx) }
            }
        }
    }
}
