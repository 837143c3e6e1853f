import Foundation
import HotlineStore
import Logging
import PostgresNIO

/// Runs `body` with a connected pool, then shuts the pool down.
public func withDatabase<R: Sendable>(_ config: Config, _ body: @Sendable (Database) async throws -> R) async throws -> R {
    let logger = config.makeLogger("hotline.db")
    let client = PostgresClient(configuration: try Database.configuration(url: config.databaseURL), backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        await Task.yield()  // let run() start before the first lease
        do {
            return try await body(Database(client: client, logger: logger))
        } catch let e as PSQLError {
            throw ConfigurationError(String(reflecting: e))
        }
    }
}
