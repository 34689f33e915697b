package io.jvmm.cli.model;

import picocli.CommandLine.Model.IAnnotatedElement;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.IScope;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.ITypeInfo;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One annotated field or setter method of a command, as the generated models (see {@code CommandModelProcessor}
 * in module picocli-model) hand it to picocli's builders: the annotation's values (a generated record, not a JDK
 * proxy), the member's name and type, and a binding that reads and writes the field (or calls the method)
 * directly instead of through {@code java.lang.reflect}. What each method answers mirrors what picocli's own
 * reflective member answers for the same field; {@code CommandModelTest} compares the two models.
 */
public final class Member implements IAnnotatedElement, IGetter, ISetter {
    private final Annotation annotation;
    private final String name;
    private final ITypeInfo typeInfo;
    private final String toString;
    private final Object command;
    private final Supplier<Object> read;     // null for a setter method: picocli then reports the last value set
    private final Consumer<Object> write;
    private Object lastSet;

    private Member(Annotation annotation, String name, Class<?> type, Type genericType, String toString, Object command,
                   Supplier<Object> read, Consumer<Object> write) {
        this.annotation = annotation;
        this.name = name;
        this.toString = toString;
        this.command = command;
        this.read = read;
        this.write = write;
        this.typeInfo = TypeInfo.of(type, annotationTypes(annotation), genericType);
    }

    /** An annotated field of {@code command}: {@code read} and {@code write} access it. */
    public static Member field(Annotation annotation, String name, Class<?> type, Type genericType, String toString,
                               Object command, Supplier<Object> read, Consumer<Object> write) {
        return new Member(annotation, name, type, genericType, toString, command, read, write);
    }

    /**
     * A field that generated code cannot reach (private to picocli) and that only picocli's parser sets: the
     * value lives in this binding, starting at {@code initial} (the field's default value).
     */
    public static Member held(Annotation annotation, String name, Class<?> type, String toString, Object command, Object initial) {
        Object[] value = {initial};
        return new Member(annotation, name, type, null, toString, command, () -> value[0], v -> value[0] = v);
    }

    /** An annotated setter method of {@code command} (one parameter): {@code call} invokes it. */
    public static Member setterMethod(Annotation annotation, String name, Class<?> type, Type genericType, String toString,
                                      Object command, Consumer<Object> call) {
        return new Member(annotation, name, type, genericType, toString, command, null, call);
    }

    private static Class<?>[] annotationTypes(Annotation a) {
        return a instanceof Option o ? o.type() : a instanceof Parameters p ? p.type() : new Class<?>[0];
    }

    private static boolean interactive(Annotation a) {
        return a instanceof Option o ? o.interactive() : a instanceof Parameters p && p.interactive();
    }

    /** True for a field: picocli resets it to its value at model-building time before each parse. */
    boolean isField() {
        return read != null;
    }

    // ---- IGetter / ISetter: the binding ----

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get() {
        return (T) (read != null ? read.get() : lastSet);
    }

    @Override
    public <T> T set(T value) {
        T old = get();
        write.accept(value);
        lastSet = value;
        return old;
    }

    // ---- IAnnotatedElement ----

    @Override
    public Object userObject() {
        return this;
    }

    @Override
    public boolean isAnnotationPresent(Class<? extends Annotation> annotationClass) {
        return annotationClass.isInstance(annotation);
    }

    @Override
    public <T extends Annotation> T getAnnotation(Class<T> annotationClass) {
        return annotationClass.isInstance(annotation) ? annotationClass.cast(annotation) : null;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getMixinName() {
        String n = annotation instanceof Mixin m ? m.name() : "";
        return n.isEmpty() ? name : n;
    }

    @Override
    public boolean isArgSpec() {
        return isOption() || isParameter();
    }

    @Override
    public boolean isOption() {
        return annotation instanceof Option;
    }

    @Override
    public boolean isParameter() {
        return annotation instanceof Parameters;
    }

    @Override
    public boolean isArgGroup() {
        return false;
    }

    @Override
    public boolean isMixin() {
        return annotation instanceof Mixin;
    }

    @Override
    public boolean isUnmatched() {
        return annotation instanceof Unmatched;
    }

    @Override
    public boolean isSpec() {
        return annotation instanceof Spec;
    }

    @Override
    public boolean isParentCommand() {
        return false;
    }

    @Override
    public boolean isMultiValue() {
        Class<?> t = typeInfo.getType();
        return t.isArray() || Collection.class.isAssignableFrom(t) || Map.class.isAssignableFrom(t);
    }

    @Override
    public boolean isInteractive() {
        return interactive(annotation);
    }

    @Override
    public boolean hasInitialValue() {
        return isField();
    }

    @Override
    public boolean isMethodParameter() {
        return false;
    }

    @Override
    public int getMethodParamPosition() {
        return -1;
    }

    @Override
    public IScope scope() {
        return new IScope() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T get() {
                return (T) command;
            }

            @Override
            public <T> T set(T value) {
                throw new UnsupportedOperationException("the command object of " + toString + " is fixed");
            }
        };
    }

    @Override
    public IGetter getter() {
        return this;
    }

    @Override
    public ISetter setter() {
        return this;
    }

    @Override
    public ITypeInfo getTypeInfo() {
        return typeInfo;
    }

    @Override
    public String getToString() {
        return isMixin() ? "mixin from member " + toString.substring(toString.indexOf(' ') + 1) : toString;
    }

    @Override
    public String toString() {
        return toString;
    }
}
