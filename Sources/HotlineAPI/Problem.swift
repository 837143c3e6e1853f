import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird
import Logging
import NIOCore
import PostgresNIO

/// An error the API answers with as application/problem+json (RFC 9457).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var errors: [FieldError]
    public var extra: [String: String]

    public init(_ status: HTTPResponse.Status, _ title: String, _ detail: String, errors: [FieldError] = [], extra: [String: String] = [:]) {
        self.status = status; self.title = title; self.detail = detail; self.errors = errors; self.extra = extra
    }

    public static func badRequest(_ errors: [FieldError]) -> APIError {
        let detail = errors.map(\.description).joined(separator: "; ")
        return APIError(.badRequest, "Invalid request", detail, errors: errors)
    }
    public static func badRequest(_ field: String, _ message: String) -> APIError { badRequest([FieldError(field, message)]) }
    public static let unauthorized = APIError(.unauthorized, "Unauthorized", "a valid bearer token is required")
    public static func forbidden(_ role: Role) -> APIError {
        APIError(.forbidden, "Forbidden", "role '\(role.rawValue)' may not do this")
    }
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "Not found", "\(what) does not exist") }
    public static func conflict(_ detail: String) -> APIError { APIError(.conflict, "Conflict", detail) }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [FieldError]?
        var requestId: String?
        var currentStatus: String?
        var allowedVerbs: [String]?
    }

    func response(requestId: String?) -> Response {
        let body = Body(type: "about:blank", title: title, status: Int(status.code), detail: detail,
                        errors: errors.isEmpty ? nil : errors, requestId: requestId,
                        currentStatus: extra["current_status"],
                        allowedVerbs: extra["allowed_verbs"].map { $0.isEmpty ? [] : $0.split(separator: ",").map(String.init) })
        let bytes = (try? APIEncoder.bytes(body)) ?? []
        var headers: HTTPFields = [.contentType: "application/problem+json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let wait = extra["retry_after"] { headers[.retryAfter] = wait }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Turns every error into problem+json. Unknown errors are logged (without request data) and
/// answered with a bare 500; bad input never reaches this branch because it is validated first.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let api = Self.translate(error)
            if api.status == .serviceUnavailable {
                context.logger.warning("database unavailable: answered 503", metadata: ["path": "\(context.endpointPath ?? "-")"])
            } else if api.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(context.endpointPath ?? "-")",
                                                                  "sqlstate": "\(SQLFailure(error)?.sqlState ?? "-")"])
            }
            return api.response(requestId: context.logger[metadataKey: "hb.request.id"]?.description)
        }
    }

    static func translate(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as ValidationFailure: return .badRequest(e.errors)
        case let e as StoreError:
            switch e {
            case .notFound(let what): return .notFound(what)
            case .conflict(let detail): return .conflict(detail)
            case .invalid(let errors): return .badRequest(errors)
            }
        case let e as TicketWorkflow.StateConflict:
            return APIError(.conflict, "Conflict", e.detail, extra: [
                "current_status": e.status.rawValue, "allowed_verbs": e.allowed.map(\.rawValue).joined(separator: ","),
            ])
        case let e as TicketWorkflow.Forbidden:
            return APIError(.forbidden, "Forbidden", e.detail)
        case let e as any HTTPResponseError:
            switch e.status {
            case .notFound: return APIError(.notFound, "Not found", "no such endpoint")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "Method not allowed", "this endpoint does not accept this method")
            case .contentTooLarge: return APIError(.contentTooLarge, "Content too large", "the request body exceeds the limit")
            default: return APIError(e.status, e.status.reasonPhrase, e.status.reasonPhrase)
            }
        case let e as PSQLError where [.connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown].contains(e.code):
            // The database is unreachable or went away: the client should retry (with its Idempotency-Key).
            return APIError(.serviceUnavailable, "Service unavailable",
                            "the database is unreachable; retry shortly (a write may or may not have been applied: retry it with the same Idempotency-Key)",
                            extra: ["retry_after": "5"])
        case is DatabaseUnavailable, is DeadlineExceeded:
            return APIError(.serviceUnavailable, "Service unavailable", "the database is unreachable; retry shortly",
                            extra: ["retry_after": "5"])
        case let e where String(describing: type(of: e)) == "ConnectionPoolError":
            // The pool gave up creating connections (its circuit breaker) or was shut down.
            return APIError(.serviceUnavailable, "Service unavailable", "the database is unreachable; retry shortly",
                            extra: ["retry_after": "5"])
        default:
            if let f = SQLFailure(error) {
                // Shut down, crashed, starting up, unreachable, full, or (25006) a leader demoted
                // under an open connection during a failover: the statement was refused, retry.
                if ["57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004", "25006", "53300"].contains(f.sqlState) {
                    return APIError(.serviceUnavailable, "Service unavailable", "the database is restarting or unreachable; retry shortly",
                                    extra: ["retry_after": "5"])
                }
                // Constraint violations that slipped past validation are still the client's input.
                if f.isCheckViolation || f.isForeignKeyViolation || f.sqlState == "22001" || f.sqlState.hasPrefix("22") {
                    return APIError(.badRequest, "Invalid request", "a value was refused by the database: \(f.constraint ?? f.sqlState)")
                }
                if f.isUniqueViolation { return .conflict("duplicate: \(f.constraint ?? "key")") }
                if f.isSerializationFailure { return APIError(.conflict, "Conflict", "concurrent update; retry") }
            }
            return APIError(.internalServerError, "Internal error", "the request could not be completed")
        }
    }
}
