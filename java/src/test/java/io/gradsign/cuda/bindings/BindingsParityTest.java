package io.gradsign.cuda.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link GradsignCuda} and {@link GradsignCudaEmulated} declare the same native methods, annotations
 * included: the second is generated from the first at build time (cmake/generate-emulated-binding.sh;
 * the two classes exist only because a JNI function's name includes its class), and this checks that
 * the generator kept every declaration. Reflection only; no native library is loaded.
 */
class BindingsParityTest {

    private static List<String> nativeMethods(Class<?> bindings) {
        return Arrays.stream(bindings.getDeclaredMethods())
                .filter(method -> Modifier.isNative(method.getModifiers()))
                .map(BindingsParityTest::describe)
                .sorted()
                .toList();
    }

    private static String describe(Method method) {
        StringBuilder text = new StringBuilder();
        Arrays.stream(method.getAnnotations()).map(Object::toString).sorted().forEach(a -> text.append(a).append(' '));
        text.append(method.getReturnType().getName()).append(' ').append(method.getName()).append('(');
        for (Parameter parameter : method.getParameters()) {
            Arrays.stream(parameter.getAnnotations()).map(Object::toString).sorted().forEach(a -> text.append(a).append(' '));
            text.append(parameter.getType().getName()).append(", ");
        }
        return text.append(')').toString();
    }

    @Test
    void bothClassesDeclareTheSameNativeMethods() {
        List<String> cuda = nativeMethods(GradsignCuda.class);
        assertEquals(cuda, nativeMethods(GradsignCudaEmulated.class));
        assertFalse(cuda.isEmpty(), "a comparison of nothing proves nothing");
    }
}
