import Foundation
import HTTPTypes
import HotlineAPI
import HotlineCore
import HotlineStore
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO

/// An application on its own database, driven in-process through the router.
public struct TestApp: Sendable {
    public let client: any TestClientProtocol
    public let services: Services

    /// Runs `body` against a fresh app and database.
    /// `live`: over real HTTP on a free port rather than through the router in-process.
    public static func with<R: Sendable>(logger: Logger = TestDatabase.logger, clock: any NowSource = SystemNow(), live: Bool = false,
                                         destinations: DestinationPolicy = .unrestricted,
                                         _ body: @Sendable (TestApp) async throws -> R) async throws -> R {
        try await TestDatabase.with(runClient: false) { db in
            let migrator = try Migrator(directory: TestDatabase.dbDirectory.appendingPathComponent("migrations"))
            var configured = Services(db: db, migrator: migrator, zone: try ServiceClockZone(), metrics: nil, clock: clock,
                                      secretKey: "test-secret-key")
            configured.destinations = destinations
            // Beside 140 other tests on 2 cores a request can take seconds; the deadline itself is
            // tested through `withProxy`, which keeps the service's default.
            configured.requestDeadline = .seconds(60)
            // Through the router there is no connection: its testing loop runs work only when driven.
            configured.requestsOnConnectionLoop = live
            let services = configured
            let app = buildApplication(services, host: "127.0.0.1", port: 0, logger: logger)
            return try await app.test(live ? .live : .router) { client in
                try await body(TestApp(client: client, services: services))
            }
        }
    }

    /// An app whose database is reached through a `FaultProxy` the test can break, with the
    /// health probe running as in `serve`.
    /// `readerOnly`: only the read pool (`HOTLINE_READ_DATABASE_URL`, a replica) goes through the
    /// proxy; the leader is reached directly and no health probe runs.
    public static func withProxy<R: Sendable>(readerOnly: Bool = false, _ body: @Sendable (TestApp, FaultProxy) async throws -> R) async throws -> R {
        try await TestDatabase.withNamed(runClient: true) { direct, name in
            let (host, port) = TestDatabase.clusterAddress
            let proxy = try await FaultProxy.start(to: host, port: port)
            let proxied = PostgresClient(configuration: try TestDatabase.configuration(database: name, port: proxy.port),
                                         backgroundLogger: TestDatabase.logger)
            let db = readerOnly ? Database(client: PostgresClient(configuration: try TestDatabase.configuration(database: name),
                                                                  backgroundLogger: TestDatabase.logger),
                                           logger: TestDatabase.logger, reader: proxied)
                                : Database(client: proxied, logger: TestDatabase.logger)
            let migrator = try Migrator(directory: TestDatabase.dbDirectory.appendingPathComponent("migrations"))
            var configured = Services(db: db, migrator: migrator, zone: try ServiceClockZone(), metrics: nil, secretKey: "test-secret-key")
            let health = DatabaseHealth(db: db, interval: .milliseconds(300))
            if !readerOnly { configured.health = health }
            // A tighter deadline than the service's 4.5 s: the tests assert "within 5 s" on a machine
            // running 140 other tests beside them. With only the replica proxied, the leader's requests
            // are not under test and get the generous deadline of `with` (the replica's 3 s check is).
            configured.requestDeadline = readerOnly ? .seconds(60) : .seconds(3)
            configured.requestsOnConnectionLoop = false
            let services = configured
            let app = buildApplication(services, host: "127.0.0.1", port: 0, logger: TestDatabase.logger, services: readerOnly ? [] : [health])
            do {
                let r = try await app.test(.router) { client in try await body(TestApp(client: client, services: services), proxy) }
                await proxy.stop()
                return r
            } catch {
                await proxy.stop()
                throw error
            }
        }
    }

    /// Creates a user of this role (handlers get the given unit, or the first street office) and
    /// answers its bearer token.
    public func token(_ role: Role, login: String? = nil, unitCode: String = "XHQ-XX") async throws -> String {
        var unit: Int64? = nil
        if role == .handler { unit = try await services.reference.unitId(code: unitCode) }
        let name = login ?? "\(role.rawValue)_\(UUID().uuidString.prefix(8))"
        let partner = role == .partner ? PartnerBinding(hotlineNumber: "12345", channels: [.transfer110], unitId: nil) : nil
        return try await services.users.create(.init(login: name, displayName: name, role: role, unitId: unit, partner: partner)).1
    }

    /// A user with a workbench password; answers its login, id and token.
    public func person(_ role: Role, password: String, unitCode: String = "XHQ-XX") async throws -> (login: String, id: String, token: String) {
        let unit: Int64? = role == .handler ? try await services.reference.unitId(code: unitCode) : nil
        let name = "\(role.rawValue)_\(UUID().uuidString.prefix(8))"
        let (user, token) = try await services.users.create(.init(login: name, displayName: "测试\(role.rawValue)", role: role, unitId: unit, password: password))
        return (name, user.id, token)
    }

    public struct Reply: Sendable {
        public var status: HTTPResponse.Status
        public var headers: HTTPFields
        public var body: String
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
        public var fieldErrors: [String] {
            (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        }
        public var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }

    public func request(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil,
                        json body: Any? = nil, raw: [UInt8]? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer? = nil
        if let body {
            let data = try JSONSerialization.data(withJSONObject: body)
            buffer = ByteBuffer(bytes: data)
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        }
        if let raw { buffer = ByteBuffer(bytes: raw) }
        return try await client.execute(uri: uri, method: method, headers: headers, body: buffer) { r in
            Reply(status: r.status, headers: r.headers, body: String(buffer: r.body))
        }
    }

    /// The id of a unit by its code (the demo city's units are in every test database).
    public func unit(_ code: String) async throws -> String {
        guard let id = try await services.reference.unitId(code: code) else { throw StoreError.notFound("unit \(code)") }
        return String(id)
    }

    public func csv(_ uri: String, token: String, _ text: String) async throws -> Reply {
        try await request(.post, uri, token: token, raw: Array(text.utf8), headers: [.contentType: "text/csv"])
    }
}
