import ArgumentParser
import Foundation
import HotlineAPI
import HotlineCommandLine
import HotlineCore
import HotlineStore
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// `hotline-bench bare-intake --user-id N`: the SQL of one intake behind the thinnest HTTP service
/// this stack makes — Hummingbird and PostgresNIO with the pool `serve` keeps and requests on their
/// connection's event loop, as `serve` runs them, and nothing else: `POST /v1/tickets` reads the
/// body and ignores it, runs the registration and the duplicate shortlist with the values
/// `hotline-bench intake-sql` gives pgbench (a new Idempotency-Key and caller phone per request),
/// and answers `201 {"id":…}`. No validation, no JSON in or out, no KB suggestion, no scoring.
/// Its rate over pgbench's rate of the same SQL is the most any service on this stack reaches on
/// the machine it runs on (scripts/bench-intake.sh measures both in one run).
struct BareIntake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bare-intake", abstract: "Serve the intake's SQL alone over HTTP (the stack's ceiling for scripts/bench-intake.sh).")

    @Option(help: "The agent's user id (created_by and the idempotency key's owner).") var userId: Int64
    @Option(help: "Port on 127.0.0.1") var port: Int = 8095

    func run() async throws {
        let config = try Config.fromEnvironment()
        let logger = config.makeLogger("bare")
        let client = PostgresClient(configuration: try Database.configuration(url: config.databaseURL, kept: config.databaseConnections),
                                    backgroundLogger: config.makeLogger("bare.db"))
        let db = Database(client: client, logger: logger)
        let zone = try ServiceClockZone(identifier: config.timeZone)
        let intake = try IntakeSQLScript.sampleIntake()
        let agent = Principal(userId: userId, login: "bench-agent", role: .agent, unitId: nil)
        let template = TicketStore.registration(intake, actor: agent, idempotencyKey: "bare", source: .api, now: Date(), zone: zone)
        let run = UInt64.random(in: 0...UInt64.max)
        let counter = Atomic<Int64>(0)

        let router = Router(context: BareContext.self)
        router.add(middleware: OnConnectionLoop())
        router.post("/v1/tickets") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 256 * 1024)
            let n = counter.add(1, ordering: .relaxed).newValue
            let phone = "139" + String(100_000_000 + n % 100_000_000).dropFirst()
            let register = template.with(key: "bare-\(run)-\(n)", phone: phone)
            var id: Int64 = 0
            for try await ticket in try await client.execute(register, logger: logger) { id = Int64(ticket.id) ?? 0 }
            let shortlist = IntakeSQL.Duplicates(phone: phone, since: Date().addingTimeInterval(-TicketStore.duplicateWindow), excluding: id,
                                                 region: intake.regionCode, fingerprint: register.fingerprint)
            for try await _ in try await client.execute(shortlist, logger: logger) {}
            return Response(status: .created, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"id\":\"\(id)\"}")))
        }
        var app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        app.addServices(client)
        app.beforeServerStarts {
            // The day's row of ticket_number_days: one intake through the store opens it.
            _ = try await TicketStore(db: db, zone: zone).create(intake, actor: agent, idempotencyKey: "bare-open-\(run)", source: .api)
        }
        try await app.runService()
    }
}

struct BareContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let eventLoop: any EventLoop
    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        eventLoop = source.channel.eventLoop
    }
}

/// Each request on its connection's event loop, as `serve` runs intake (`EventLoopMiddleware`).
struct OnConnectionLoop: RouterMiddleware {
    func handle(_ request: Request, context: BareContext, next: (Request, BareContext) async throws -> Response) async throws -> Response {
        try await withTaskExecutorPreference(EventLoopTaskExecutor(context.eventLoop)) { try await next(request, context) }
    }
}
