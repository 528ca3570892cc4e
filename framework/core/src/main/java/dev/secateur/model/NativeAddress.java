package dev.secateur.model;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a float array's elements lie in native memory, for handing them to OpenBLAS directly. The pointer does not
 * own the memory: the caller keeps {@code a} reachable while the native code reads it.
 */
public final class NativeAddress {

    private NativeAddress() {
    }

    /**
     * The address of {@code a}'s first element. In ND4J 1.0.0-M2.1 a view's data buffer starts at the view's first
     * element, while its NIO buffer ({@code data().asNioFloat()}) is indexed from the start of the array it views.
     */
    public static FloatPointer firstElement(INDArray a) {
        return new FloatPointer(a.data().addressPointer());
    }
}
