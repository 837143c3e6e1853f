import ArgumentParser
import Foundation
import HotlineAPI
import HotlineCommandLine
import HotlineCore
import HotlineStore
import Hummingbird
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle

@main
struct Hotline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotline",
        abstract: "The 12345 government service hotline dispatcher.",
        subcommands: [Serve.self, Migrate.self, Seed.self, Import.self, Export.self, UserCommand.self, Sweep.self, WebhookListen.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API (graceful shutdown on SIGTERM/SIGINT).")

    @Flag(help: "Apply pending migrations before serving (without it, serve refuses to start while any are pending).")
    var migrate = false

    func run() async throws {
        let config = try Config.fromEnvironment()
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = config.logLevel
            return h
        }
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            func clean(_ s: String) -> String {
                String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
            }
            return (clean(name), labels.map { (clean($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)

        let logger = config.makeLogger("hotline")
        logger.info("starting", metadata: ["config": "\(config.printable)"])
        let client = PostgresClient(configuration: try Database.configuration(url: config.databaseURL, kept: config.databaseConnections),
                                    backgroundLogger: config.makeLogger("hotline.db"))
        let reader = try config.readDatabaseURL.map {
            PostgresClient(configuration: try Database.configuration(url: $0, kept: config.databaseConnections), backgroundLogger: config.makeLogger("hotline.db.read"))
        }
        let db = Database(client: client, logger: config.makeLogger("hotline.db"), reader: reader)
        let migrator = try Migrator(directory: config.dbDirectory.appendingPathComponent("migrations"))
        var services = Services(db: db, migrator: migrator, zone: try ServiceClockZone(identifier: config.timeZone), metrics: registry,
                                secretKey: config.secretKey)
        services.authFailuresPerMinute = config.authFailuresPerMinute
        services.destinations = config.destinations
        services.attachmentMaxBytes = config.attachmentMaxBytes
        services.secureCookies = config.secureCookies
        let health = DatabaseHealth(db: db)
        services.health = health
        services.requestDeadline = .milliseconds(config.requestDeadlineMilliseconds)
        let migrateFirst = migrate
        let sweeper = services.escalationService(interval: .seconds(config.sweepIntervalSeconds), logger: config.makeLogger("hotline.sweeper"))
        let app = buildApplication(services, host: config.host, port: config.port, logger: logger,
                                   services: (config.sweepIntervalSeconds > 0 ? [sweeper] : [])
                                       + (config.outboxIntervalMilliseconds > 0
                                          ? [WebhookService(worker: WebhookWorker(services), interval: .milliseconds(config.outboxIntervalMilliseconds),
                                                            logger: config.makeLogger("hotline.webhooks"))] : [])
                                       + [services.knowledgeIndexService(interval: .seconds(1), logger: config.makeLogger("hotline.kb")),
                                          health, services.revocations],
                                   beforeServerStarts: {
                                       if migrateFirst { try await migrator.migrate(db); return }
                                       // A database that is not reachable yet is /readyz's business; one that is
                                       // behind the code is refused (a half-migrated schema answers wrongly).
                                       let pending: [String]
                                       do { pending = try await migrator.pending(db) } catch {
                                           logger.warning("could not check migrations at start", metadata: ["error": "\(String(reflecting: error).prefix(200))"])
                                           return
                                       }
                                       guard pending.isEmpty else {
                                           throw ConfigurationError("pending migrations \(pending.joined(separator: ", ")): run `hotline migrate` first, or `hotline serve --migrate`")
                                       }
                                   })
        // Shutdown drains within the grace period whatever the database does: in-flight requests
        // have their own deadlines, and anything still running after 15 s is cancelled.
        var groupConfig = ServiceGroupConfiguration(
            services: [.init(service: app), .init(service: ShutdownWatchdog(limit: .seconds(12), logger: logger), successTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .seconds(15)
        groupConfig.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: groupConfig).run()
    }
}

/// Ends the process if a graceful shutdown has not finished after `limit`. Seen in the failover
/// drill (scripts/failover.sh): a database call that never returns after the leader changes keeps
/// its request, and the pool holding its connection, from finishing; ServiceLifecycle would then
/// crash the process after its own caps. Nothing is lost by leaving: every acknowledged write is
/// committed and background work lives in the database (outbox, leases, due rungs).
struct ShutdownWatchdog: Service {
    let limit: Duration
    let logger: Logger

    func run() async throws {
        guard (try? await gracefulShutdown()) != nil else { return }
        let (limit, logger) = (limit, logger)
        Task.detached {
            try? await Task.sleep(for: limit)
            logger.warning("shutdown still waiting on the database after \(limit); exiting")
            exit(0)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply db/migrations in order (idempotent, advisory-locked).")

    func run() async throws {
        let config = try Config.fromEnvironment()
        let migrator = try Migrator(directory: config.dbDirectory.appendingPathComponent("migrations"))
        let applied = try await withDatabase(config) { try await migrator.migrate($0) }
        print(applied.isEmpty ? "database is up to date (\(migrator.migrations.count) migrations)" : "applied: \(applied.joined(separator: ", "))")
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load reference data: hotline registry, categories, the official calendar; --demo adds a demo city (regions, units, routing rules).")

    @Flag(help: "Also load demo regions and units (a fictional city).")
    var demo = false

    func run() async throws {
        let config = try Config.fromEnvironment()
        let seedDir = config.dbDirectory.appendingPathComponent("seed")
        let files: [(CSVImporter.Kind, String)] = [(.hotlines, "hotlines-cn.csv"), (.categories, "categories.csv"), (.calendar, "calendar-cn.csv"), (.kbSynonyms, "kb-synonyms.csv")]
            + (demo ? [(.regions, "demo/regions.csv"), (.units, "demo/units.csv"), (.routingRules, "demo/routing-rules.csv"), (.hotlines, "demo/hotline-defaults.csv"),
                       (.kb, "kb-sample.csv"), (.kb, "demo/kb-extra.csv")] : [])
        let zone = try ServiceClockZone(identifier: config.timeZone)
        try await withDatabase(config) { db in
            let importer = CSVImporter(db: db, zone: zone)
            for (kind, file) in files {
                let text = try String(contentsOf: seedDir.appendingPathComponent(file), encoding: .utf8)
                let report = try await importer.run(kind, csv: text, actor: nil)
                print("\(file): \(report.created) created, \(report.updated) updated, \(report.unchanged) unchanged, \(report.rejected.count) rejected")
                for r in report.rejected { print("  line \(r.line): \(r.errors.map(\.description).joined(separator: "; "))") }
                if !report.rejected.isEmpty { throw ExitCode(1) }
                if kind == .calendar { try await CalendarStore(db: db).publishYears(of: text, zone: zone) }
            }
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import a CSV file: hotlines, units, categories, regions or tickets.")

    @Argument(help: "hotlines | units | categories | regions | calendar | routing-rules | tickets")
    var kind: String
    @Argument(help: "CSV file (UTF-8, header row)")
    var file: String

    func run() async throws {
        guard let k = CSVImporter.Kind(rawValue: kind) else {
            throw ValidationError("kind must be one of: \(CSVImporter.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let config = try Config.fromEnvironment()
        let text = try String(contentsOf: URL(fileURLWithPath: file), encoding: .utf8)
        let zone = try ServiceClockZone(identifier: config.timeZone)
        let report = try await withDatabase(config) { db in
            try await CSVImporter(db: db, zone: zone).run(k, csv: text, actor: nil)
        }
        print(String(decoding: try APIEncoder.data(report), as: UTF8.self))
        if !report.rejected.isEmpty { throw ExitCode(2) }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self, Token.self, Password.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; prints its token alone on the last line.")
        @Option(help: "Login name") var login: String
        @Option(help: "agent | dispatcher | handler | callback | supervisor | admin | auditor | partner") var role: String
        @Option(help: "Unit id or code (required for handlers; for a partner, the unit whose office system it is)") var unit: String?
        @Option(help: "Display name") var name: String?
        @Option(help: "Partner: the hotline it registers tickets for (e.g. 12345)") var partnerHotline: String?
        @Option(help: "Partner: comma-separated channels it registers on (e.g. transfer_110)") var partnerChannels: String?
        @Flag(help: "Read a workbench password (at least 10 characters) from the first line of standard input") var passwordStdin = false

        func run() async throws {
            guard let r = Role(rawValue: role) else { throw ValidationError("role must be one of: \(Role.allowedList)") }
            var password: String? = nil
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("--password-stdin: no password on standard input") }
                if let problem = Passwords.problem(line) { throw ValidationError("password \(problem)") }
                if r == .partner { throw ValidationError("a partner signs in with its token, not a password") }
                password = line
            }
            if r == .handler && unit == nil { throw ValidationError("--unit is required for a handler") }
            var channels: [HotlineCore.Channel] = []
            if r == .partner {
                guard partnerHotline != nil, let list = partnerChannels else {
                    throw ValidationError("a partner needs --partner-hotline and --partner-channels")
                }
                for raw in list.split(separator: ",") {
                    guard let c = HotlineCore.Channel(rawValue: String(raw)) else { throw ValidationError("unknown channel '\(raw)'; one of: \(HotlineCore.Channel.allowedList)") }
                    channels.append(c)
                }
            }
            let config = try Config.fromEnvironment()
            let partnerChannels = channels
            let chosenPassword = password
            let (user, token) = try await withDatabase(config) { db -> (User, String) in
                var unitId: Int64? = nil
                if let unit {
                    if let id = Int64(unit), try await ReferenceStore(db: db).unit(id: id) != nil { unitId = id }
                    else { unitId = try await ReferenceStore(db: db).unitId(code: unit) }
                    guard unitId != nil else { throw ValidationError("unknown unit '\(unit)'") }
                }
                let partner = r == .partner ? PartnerBinding(hotlineNumber: partnerHotline ?? "", channels: partnerChannels, unitId: unitId) : nil
                return try await UserStore(db: db).create(.init(login: login, displayName: name ?? login, role: r,
                                                                unitId: r == .partner ? nil : unitId, partner: partner, password: chosenPassword))
            }
            print("created user \(user.login) (id \(user.id), role \(user.role))")
            print(token)
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's workbench password from the first line of standard input.")
        @Option(help: "Login name") var login: String

        func run() async throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
            if let problem = Passwords.problem(line) { throw ValidationError("password \(problem)") }
            let config = try Config.fromEnvironment()
            guard try await withDatabase(config, { try await SessionStore(db: $0).setPassword(login: login, password: line) }) else {
                throw ValidationError("no user \(login)")
            }
            print("password set for \(login)")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue another token for an existing user; prints it alone on the last line.")
        @Option(help: "Login name") var login: String

        func run() async throws {
            let config = try Config.fromEnvironment()
            let token = try await withDatabase(config) { try await UserStore(db: $0).issueToken(login: login) }
            print(token)
        }
    }
}

struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one escalation pass now (serve runs it every HOTLINE_SWEEP_INTERVAL seconds); prints what it issued.")

    @Option(help: "Pretend it is this RFC 3339 time (for replays and benchmarks).")
    var at: String?

    func run() async throws {
        let config = try Config.fromEnvironment()
        var now = Date()
        if let at {
            guard let d = Timestamp.parse(at) else { throw ValidationError("--at must be an RFC 3339 time with offset") }
            now = d
        }
        let zone = try ServiceClockZone(identifier: config.timeZone)
        let started = ContinuousClock.now
        let moment = now
        let issued = try await withDatabase(config) { try await EscalationSweeper(db: $0, zone: zone).sweep(now: moment) }
        let elapsed = ContinuousClock.now - started
        print("issued \(issued) escalation record(s) in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export reports.", subcommands: [Monthly.self])

    struct Monthly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The monthly assessment as JSON, CSV or XLSX.")
        @Option(help: "Month, like 2026-10") var month: String
        @Option(help: "json | csv | xlsx") var format: String = "xlsx"
        @Option(help: "city | district | department | street | office (default: every level)") var level: String?
        @Option(help: "Output file") var out: String

        func run() async throws {
            guard let m = ReportStore.Month(month) else { throw ValidationError("--month must look like 2026-10") }
            guard ["json", "csv", "xlsx"].contains(format) else { throw ValidationError("--format must be json, csv or xlsx") }
            var unitLevel: UnitLevel? = nil
            if let level {
                guard let l = UnitLevel(rawValue: level) else { throw ValidationError("--level must be one of \(UnitLevel.allowedList)") }
                unitLevel = l
            }
            let config = try Config.fromEnvironment()
            let zone = try ServiceClockZone(identifier: config.timeZone)
            let started = ContinuousClock.now
            let fmt = format, chosenLevel = unitLevel
            let data = try await withDatabase(config) { db -> Data in
                let report = try await MonthlyReport.build(store: ReportStore(db: db, zone: zone), month: m, level: chosenLevel, now: Date())
                switch fmt {
                case "csv": return report.csv()
                case "xlsx": return try report.xlsx()
                default: return try APIEncoder.data(report)
                }
            }
            try data.write(to: URL(fileURLWithPath: out))
            print("wrote \(out) (\(data.count) bytes) in \(ContinuousClock.now - started)")
        }
    }
}
