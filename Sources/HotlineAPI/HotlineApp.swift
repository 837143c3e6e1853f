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
    public let calendar: CalendarStore
    public let policies: PolicyStore
    public let routing: RoutingStore
    public let workflow: TicketWorkflow
    public let sweeper: EscalationSweeper
    public let knowledge: KnowledgeStore
    public let learning: KnowledgeLearning
    public let feedback: FeedbackStore
    public let reports: ReportStore
    public let accessLog: AccessLog
    /// Where "now" comes from (a hand-moved clock in tests).
    public let clock: any NowSource
    /// Failed authentications per client address per minute before it must wait (429).
    public var authFailuresPerMinute = 20
    /// Recently authenticated tokens (5 s).
    public let principals = PrincipalCache()
    /// Failed progress lookups per client address: 30 within a minute and the address waits (429).
    let lookupFailures = FailureThrottle(limit: 30, window: 60)
    /// Where /metrics reads from; nil in tests that do not bootstrap metrics.
    public let metrics: PrometheusCollectorRegistry?
    public let intakeCounter: IntakeMetrics
    public let outbox: OutboxStore
    public let webhooks: WebhookStore
    public let feed: EventFeed
    /// The key webhook secrets are sealed with (HOTLINE_SECRET_KEY, else the database's own).
    public let secrets: SecretKeeper
    /// Where webhooks may go (HOTLINE_WEBHOOK_ALLOWED_HOSTS).
    public var destinations = DestinationPolicy.unrestricted
    /// Whether PostgreSQL answers (probed every second by the `serve` process; nil: not probed).
    public var health: DatabaseHealth? = nil
    /// How long a request may wait on the database before it answers 503.
    public var requestDeadline: Duration = .milliseconds(4500)
    /// Whether a request runs on its connection's event loop (`EventLoopMiddleware`). Off only
    /// for in-process router tests, whose testing channel's loop runs queued work only when driven.
    public var requestsOnConnectionLoop = true
    /// Token revocations from every instance (LISTEN/NOTIFY).
    public let revocations: RevocationListener
    public let attachments: AttachmentStore
    /// Largest attachment accepted (HOTLINE_ATTACHMENT_MAX_BYTES, default 10 MB).
    public var attachmentMaxBytes = AttachmentStore.defaultMaxBytes
    public let sessions: SessionStore
    /// Session cookies carry `Secure` (behind HTTPS: HOTLINE_SECURE_COOKIES).
    public var secureCookies = false

    public init(db: Database, migrator: Migrator, zone: ServiceClockZone, metrics: PrometheusCollectorRegistry?,
                clock: any NowSource = SystemNow(), secretKey: String? = nil) {
        self.db = db
        self.migrator = migrator
        self.zone = zone
        self.reference = ReferenceStore(db: db)
        self.users = UserStore(db: db)
        self.tickets = TicketStore(db: db, zone: zone)
        self.calendar = CalendarStore(db: db)
        self.policies = PolicyStore(db: db)
        self.routing = RoutingStore(db: db)
        self.clock = clock
        self.workflow = TicketWorkflow(db: db, zone: zone, clock: clock)
        self.sweeper = EscalationSweeper(db: db, zone: zone)
        self.knowledge = KnowledgeStore(db: db, zone: zone)
        self.learning = KnowledgeLearning(db: db)
        self.feedback = FeedbackStore(db: db, zone: zone)
        self.importer = CSVImporter(reference: reference, tickets: tickets, knowledge: knowledge, maxRows: Limits.maxCSVRows)
        self.reports = ReportStore(db: db, zone: zone)
        self.accessLog = AccessLog(db: db)
        self.metrics = metrics
        self.intakeCounter = IntakeMetrics()
        self.outbox = OutboxStore(db: db)
        self.webhooks = WebhookStore(db: db)
        self.feed = EventFeed(db: db)
        self.secrets = SecretKeeper(environment: secretKey, db: db)
        self.revocations = RevocationListener(db: db, cache: principals)
        self.attachments = AttachmentStore(db: db)
        self.sessions = SessionStore(db: db)
    }
}

/// The workbench's pages and form targets (`METHOD /path` as the OpenAPI document writes them).
public func workbenchRoutes(_ s: Services) -> [String] { Workbench(s).routes.map { "\($0.method.rawValue) \($0.path)" } }

/// All endpoints of the service, in the order of the OpenAPI document.
public func allEndpoints(_ s: Services) -> [Endpoint] {
    ServiceRoutes(s).endpoints + ReferenceRoutes(s).endpoints + UserRoutes(s).endpoints
        + CalendarRoutes(s).endpoints + PolicyRoutes(s).endpoints + RoutingRoutes(s).endpoints
        + TicketRoutes(s).endpoints + AttachmentRoutes(s).endpoints + WorkflowRoutes(s).endpoints + KnowledgeRoutes(s).endpoints + LearningRoutes(s).endpoints + ReportRoutes(s).endpoints + ImportRoutes(s).endpoints
        + WebhookRoutes(s).endpoints + EventRoutes(s).endpoints + NoticeRoutes(s).endpoints
}

public func buildRouter(_ s: Services) -> Router<AppContext> {
    let router = Router(context: AppContext.self)
    // Outermost first: log and measure the final response, after errors became problem+json.
    if s.requestsOnConnectionLoop { router.add(middleware: EventLoopMiddleware()) }
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: DeadlineMiddleware(health: s.health, standard: s.requestDeadline))
    router.register(allEndpoints(s), auth: Authenticator(users: s.users, failuresPerMinute: s.authFailuresPerMinute, cache: s.principals),
                    replays: RequestReplays(db: s.db))
    Workbench(s).register(router)
    return router
}

public func buildApplication(_ s: Services, host: String, port: Int, logger: Logger,
                             services extra: [any Service] = [],
                             beforeServerStarts: (@Sendable () async throws -> Void)? = nil) -> some ApplicationProtocol {
    var app = Application(
        router: buildRouter(s),
        // Idle and slow clients are cut off: a connection that sends nothing for 30 s is closed.
        server: .http1(configuration: .init(idleTimeout: .seconds(30))),
        configuration: .init(address: .hostname(host, port: port), serverName: "hotline"),
        logger: logger)
    app.addServices(s.db.client)
    if s.db.reader !== s.db.client { app.addServices(s.db.reader) }
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

/// A background loop inside `serve`: one run of `work` every `interval`, stopping on graceful
/// shutdown between runs (a run is never cut off halfway through a batch). Failures are logged
/// and the next run tries again.
public struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let limit: Duration
    let work: @Sendable () async throws -> Void

    public init(name: String, interval: Duration, limit: Duration = .seconds(120), logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.limit = limit
        self.name = name
        self.interval = interval
        self.logger = logger
        self.work = work
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Ends at a graceful shutdown or after `limit` without waiting for a call stuck in
                // the driver: the work is atomic per transaction, so the next pass picks up.
                try await cancelWhenGracefulShutdown { try await withDetachedDeadline(limit) { try await work() } }
            } catch {
                if Task.isShuttingDownGracefully { break }
                logger.warning("\(name) failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
            // The pause (not the work) ends as soon as a graceful shutdown begins.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

extension Services {
    /// The escalation sweeper (三单一函).
    public func escalationService(interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "escalation sweep", interval: interval, logger: logger) {
            let issued = try await sweeper.sweep(now: clock.now())
            if issued > 0 { logger.info("escalations issued", metadata: ["count": "\(issued)"]) }
        }
    }

    /// Loads the knowledge-base search index at start and keeps it current in the background, so
    /// searches seldom wait for a refresh (they still refresh themselves when it is overdue).
    public func knowledgeIndexService(interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "knowledge-base index refresh", interval: interval, logger: logger) {
            try await knowledge.refreshIndex()
        }
    }
}
