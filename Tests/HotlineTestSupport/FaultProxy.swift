import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy between the service and PostgreSQL that a test can break: `down` (connections
/// refused and every open one cut — a restart or a crash), `blackhole` (connections accepted,
/// nothing forwarded — a server that hangs), `up` again. The shared test cluster itself is never
/// touched, so other suites running beside this one are not disturbed.
public final class FaultProxy: Sendable {
    public enum Mode: Sendable { case up, down, blackhole }

    let target: (host: String, port: Int)
    let group: EventLoopGroup
    let state = NIOLockedValueBox<(mode: Mode, open: [Channel])>((.up, []))
    let listener = NIOLockedValueBox<Channel?>(nil)
    public var port: Int { listener.withLockedValue { $0?.localAddress?.port ?? 0 } }

    init(target: (String, Int), group: EventLoopGroup) {
        self.target = target
        self.group = group
    }

    /// Starts a proxy to `host:port` on a free local port.
    public static func start(to host: String, port: Int) async throws -> FaultProxy {
        let proxy = FaultProxy(target: (host, port), group: MultiThreadedEventLoopGroup.singleton)
        let server = try await ServerBootstrap(group: proxy.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in proxy.accept(inbound) }
            .bind(host: "127.0.0.1", port: 0).get()
        proxy.listener.withLockedValue { $0 = server }
        return proxy
    }

    public func set(_ mode: Mode) {
        let toClose: [Channel] = state.withLockedValue { s in
            s.mode = mode
            guard mode != .up else { return [] }
            defer { s.open = [] }
            return s.open
        }
        for c in toClose { c.close(promise: nil) }
    }

    public func stop() async {
        set(.down)
        try? await listener.withLockedValue { $0 }?.close().get()
    }

    func accept(_ inbound: Channel) -> EventLoopFuture<Void> {
        let mode = state.withLockedValue { s -> Mode in
            if s.mode != .down { s.open.append(inbound) }
            return s.mode
        }
        switch mode {
        case .down:
            return inbound.close()
        case .blackhole:
            return inbound.eventLoop.makeSucceededVoidFuture()   // read nothing, answer nothing
        case .up:
            return ClientBootstrap(group: inbound.eventLoop)
                .connect(host: target.host, port: target.port)
                .flatMap { outbound in
                    self.state.withLockedValue { $0.open.append(outbound) }
                    let (a, b) = Glue.pair()
                    return inbound.pipeline.addHandler(a).and(outbound.pipeline.addHandler(b)).map { _ in }
                }
                .flatMapError { _ in inbound.close() }
        }
    }
}

/// Two handlers that copy bytes between their channels and close both when either closes (both
/// channels are on one event loop, so each may call the other directly).
final class Glue: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var partner: Glue?
    var context: ChannelHandlerContext?
    var pending = false

    static func pair() -> (Glue, Glue) {
        let a = Glue(), b = Glue()
        a.partner = b; b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil; partner = nil }

    func write(_ data: NIOAny) {
        guard let context else { return }
        let buffer = unwrapOutboundIn(data)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.write(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
