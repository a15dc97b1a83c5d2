package warmwire.session.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * NAME
 *   HeapAllocator - a pooled allocator that hands out heap buffers for channel reads too.
 * DESCRIPTION
 *   Netty's allocators give direct buffers to {@code ioBuffer} (what a channel reads into)
 *   whenever Unsafe is there, whatever they prefer otherwise; this one gives heap buffers, so
 *   that the JDK SSLEngine sees heap buffers both ways. TlsEngineBench's jdk-heap variant.
 */
final class HeapAllocator extends PooledByteBufAllocator {
    static final HeapAllocator INSTANCE = new HeapAllocator();

    private HeapAllocator() {
        super(false);
    }

    @Override
    public ByteBuf ioBuffer() {
        return heapBuffer();
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
        return heapBuffer(initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
        return heapBuffer(initialCapacity, maxCapacity);
    }
}
