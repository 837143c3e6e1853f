import Hummingbird
import NIOCore

/// A request's work on the event loop of its own connection rather than on the global
/// concurrency pool: the request arrives on that loop and its answer is written there, so running
/// the handler there too saves a thread hop (and a wake-up) each way per request.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop
    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Outermost: everything the request does runs with its connection's event loop as its task
/// executor preference (`EventLoopTaskExecutor`) — except requests that may compute for seconds
/// between two awaits (imports, reports and their exports, attachments): on a loop they would
/// hold up every other connection, and database connection, served by the same thread.
struct EventLoopMiddleware: RouterMiddleware {
    static let longRunning = ["/v1/imports", "/v1/reports", "/ui/reports", "/ui/board"]

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let loop = context.eventLoop, !Self.longRunning.contains(where: path.hasPrefix), !path.contains("/attachments")
        else { return try await next(request, context) }
        return try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) { try await next(request, context) }
    }
}
