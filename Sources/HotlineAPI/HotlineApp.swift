import Foundation
import HotlineCore
import HotlineStore
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Everything the routes need, built once per process (or per test).
public struct Services: Sendable {
    public let db: Database
    public let migrator: Migrator
    public let zone: ServiceClockZone
    public let reference: ReferenceStore
    public let users: UserStore
    public let tickets: TicketStore
    public let importer: CSVImporter
    /// Where /metrics reads from; nil in tests that do not bootstrap metrics.
    public let metrics: PrometheusCollectorRegistry?
    public let intakeCounter: IntakeMetrics

    public init(db: Database, migrator: Migrator, zone: ServiceClockZone, metrics: PrometheusCollectorRegistry?) {
        self.db = db
        self.migrator = migrator
        self.zone = zone
        self.reference = ReferenceStore(db: db)
        self.users = UserStore(db: db)
        self.tickets = TicketStore(db: db, zone: zone)
        self.importer = CSVImporter(reference: reference, tickets: tickets, maxRows: Limits.maxCSVRows)
        self.metrics = metrics
        self.intakeCounter = IntakeMetrics()
    }
}

/// All endpoints of the service, in the order of the OpenAPI document.
public func allEndpoints(_ s: Services) -> [Endpoint] {
    ServiceRoutes(s).endpoints + ReferenceRoutes(s).endpoints + UserRoutes(s).endpoints
        + TicketRoutes(s).endpoints + ImportRoutes(s).endpoints
}

public func buildRouter(_ s: Services) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    // Outermost first: log and measure the final response, after errors became problem+json.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.register(allEndpoints(s), auth: Authenticator(users: s.users))
    return router
}

public func buildApplication(_ s: Services, host: String, port: Int, logger: Logger,
                             services extra: [any Service] = [],
                             beforeServerStarts: (@Sendable () async throws -> Void)? = nil) -> some ApplicationProtocol {
    var app = Application(
        router: buildRouter(s),
        configuration: .init(address: .hostname(host, port: port), serverName: "hotline"),
        logger: logger)
    app.addServices(s.db.client)
    app.addServices(extra)
    if let beforeServerStarts { app.beforeServerStarts(perform: beforeServerStarts) }
    return app
}

/// One structured line per request: method, route, status, duration. Never the body or the
/// query string (both may carry callers' names and phone numbers).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let ms = (ContinuousClock.now - start).components
        let millis = Double(ms.seconds) * 1000 + Double(ms.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)",
            "route": "\(context.endpointPath ?? "-")",
            "status": "\(response.status.code)",
            "ms": "\(String(format: "%.1f", millis))",
        ])
        return response
    }
}
