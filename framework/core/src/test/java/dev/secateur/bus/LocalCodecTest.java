package dev.secateur.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.store.Handle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Tensors never cross the local bus: messages are records of handles, passed by reference. */
@ExtendWith(VertxExtension.class)
class LocalCodecTest {

    @Test
    void everyMessageTypeHasALocalCodecAndArrivesAsTheSameInstance(Vertx vertx, VertxTestContext context) {
        Messages.registerCodecs(vertx.eventBus());
        var sent = new StageRequest.Apply(new Handle<>("model", "model-1"), new Handle<>("masks", "masks-1"));
        vertx.eventBus().<StageRequest.Apply>consumer("test.same", message -> {
            context.verify(() -> assertThat(message.body()).isSameAs(sent));
            context.completeNow();
        });
        vertx.eventBus().send("test.same", sent);
    }

    @Test
    void registeringTwiceFailsSoEachCodecIsRegisteredOnce(Vertx vertx) {
        Messages.registerCodecs(vertx.eventBus());
        assertThatThrownBy(() -> Messages.registerCodecs(vertx.eventBus())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theCodecRefusesTheWire() {
        var codec = new LocalCodec<>(StageRequest.Load.class);
        assertThatThrownBy(() -> codec.encodeToWire(Buffer.buffer(), null)).hasMessageContaining("local-only");
    }

    @Test
    void noMessageRecordCarriesATensor() {
        assertThat(Messages.all()).hasSizeGreaterThan(15);
        for (var type : Messages.all()) {
            assertThat(type.isRecord()).as(type.getName()).isTrue();
            assertNoTensor(type, new HashSet<>(), type.getSimpleName());
        }
    }

    private static void assertNoTensor(Type type, Set<Type> seen, String path) {
        if (!seen.add(type)) {
            return;
        }
        if (type instanceof ParameterizedType parameterized) {
            if (parameterized.getRawType() == Handle.class) {
                return; // a handle's type argument says what it points to; it holds only strings
            }
            assertNoTensor(parameterized.getRawType(), seen, path);
            for (Type argument : parameterized.getActualTypeArguments()) {
                if (argument != Object.class) {
                    assertNoTensor(argument, seen, path + "<>");
                }
            }
            return;
        }
        if (!(type instanceof Class<?> c)) {
            return;
        }
        assertThat(INDArray.class.isAssignableFrom(c) || c.getName().startsWith("org.deeplearning4j.nn."))
                .as("%s is a %s; send a Handle instead", path, c.getName()).isFalse();
        if (c.isRecord()) {
            for (RecordComponent component : c.getRecordComponents()) {
                assertNoTensor(component.getGenericType(), seen, path + "." + component.getName());
            }
        }
    }
}
