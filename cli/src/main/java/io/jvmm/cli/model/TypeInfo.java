package io.jvmm.cli.model;

import picocli.CommandLine.Model.ITypeInfo;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The type of an option or parameter as picocli describes it ({@link ITypeInfo}, which picocli offers for models
 * built at compile time): the member's class and the "auxiliary" element types that values are converted to. The
 * element types are found the way picocli's reflection finds them: those the annotation names, else an array's
 * component, else a collection's, map's or Optional's type arguments ({@code String} when it has none), else the
 * class itself.
 */
final class TypeInfo implements ITypeInfo {
    private final Class<?> type;
    private final Class<?>[] auxiliaryTypes;
    private final List<String> actualGenericTypeArguments;

    private TypeInfo(Class<?> type, Class<?>[] auxiliaryTypes, List<String> actualGenericTypeArguments) {
        this.type = type;
        this.auxiliaryTypes = auxiliaryTypes;
        this.actualGenericTypeArguments = actualGenericTypeArguments;
    }

    static TypeInfo of(Class<?> type, Class<?>[] annotationTypes, Type genericType) {
        List<String> typeArguments = new ArrayList<>();
        Class<?>[] declared = new Class<?>[0];
        if (genericType instanceof ParameterizedType p) {
            declared = Arrays.stream(p.getActualTypeArguments()).map(t -> (Class<?>) t).toArray(Class<?>[]::new);
            for (Class<?> c : declared) {
                typeArguments.add(c.getName());
            }
        }
        Class<?>[] aux;
        if (annotationTypes.length > 0) {
            aux = annotationTypes;
        } else if (type.isArray()) {
            aux = new Class<?>[] {type.getComponentType()};
        } else if (multiValue(type) || type == Optional.class) {
            aux = declared.length > 0 ? declared : new Class<?>[] {String.class, String.class};
        } else {
            aux = new Class<?>[] {type};
        }
        return new TypeInfo(type, aux, List.copyOf(typeArguments));
    }

    private static boolean multiValue(Class<?> t) {
        return t.isArray() || Collection.class.isAssignableFrom(t) || Map.class.isAssignableFrom(t);
    }

    @Override
    public boolean isBoolean() {
        return auxiliaryTypes[0] == boolean.class || auxiliaryTypes[0] == Boolean.class;
    }

    @Override
    public boolean isMultiValue() {
        return multiValue(type);
    }

    @Override
    public boolean isOptional() {
        return type == Optional.class;
    }

    @Override
    public boolean isArray() {
        return type.isArray() && type != char[].class;
    }

    @Override
    public boolean isCollection() {
        return Collection.class.isAssignableFrom(type);
    }

    @Override
    public boolean isMap() {
        return Map.class.isAssignableFrom(type);
    }

    @Override
    public boolean isEnum() {
        return auxiliaryTypes[0].isEnum();
    }

    @Override
    public List<String> getEnumConstantNames() {
        if (!isEnum()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (Object c : auxiliaryTypes[0].getEnumConstants()) {
            names.add(c.toString());
        }
        return names;
    }

    @Override
    public String getClassName() {
        return type.getName();
    }

    @Override
    public String getClassSimpleName() {
        return type.getSimpleName();
    }

    @Override
    public List<ITypeInfo> getAuxiliaryTypeInfos() {
        List<ITypeInfo> infos = new ArrayList<>();
        for (Class<?> c : auxiliaryTypes) {
            infos.add(of(c, new Class<?>[0], null));
        }
        return infos;
    }

    @Override
    public List<String> getActualGenericTypeArguments() {
        return actualGenericTypeArguments;
    }

    @Override
    public Class<?> getType() {
        return type;
    }

    @Override
    public Class<?>[] getAuxiliaryTypes() {
        return auxiliaryTypes;
    }

    @Override
    public String toString() {
        return "TypeInfo(" + type.getCanonicalName() + ", aux=" + Arrays.toString(auxiliaryTypes) + ")";
    }
}
