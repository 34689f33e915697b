package io.jvmm.picoclimodel;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.SimpleAnnotationValueVisitor14;
import javax.tools.Diagnostic;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes, for every class with picocli annotations, code that builds its picocli {@code CommandSpec} the way
 * picocli's reflection does, but without reflection: picocli reads annotations through JDK annotation proxies
 * (classes spun at run time, which the JDK's AOT cache cannot hold) and scans every field and method of every
 * command; that was the largest part of a cold {@code jvmm run}.
 *
 * <p>What it generates, in the package of each top-level class {@code T} that has annotated members or
 * nested commands: {@code TModel} with one {@code static CommandSpec spec(X command)} per annotated class
 * {@code X} (T or a nested class). Each annotation becomes a record that implements the annotation interface
 * with every attribute's value, defaults included (package {@value #SUPPORT_PACKAGE}), and is handed to
 * picocli's own public builders ({@code OptionSpec.builder(IAnnotatedElement, IFactory)},
 * {@code CommandSpec.updateCommandAttributes}), so picocli still interprets every attribute itself. Fields and
 * setter methods are bound with plain assignments and calls. The cli's {@code CommandModelTest} checks that
 * every generated model equals what picocli's reflection builds.
 *
 * <p>What it refuses (a compile error naming the member): {@code @ArgGroup}, {@code @ParentCommand},
 * {@code @Spec(MIXEE)}, {@code @Command} methods, private or final annotated fields, getter methods, and
 * generic types other than one level of type arguments. None is used by jvmm; supporting one means teaching
 * this generator, and the model test then proves it.
 */
@SupportedAnnotationTypes({"picocli.CommandLine.Command", "picocli.CommandLine.Option",
        "picocli.CommandLine.Parameters", "picocli.CommandLine.Mixin", "picocli.CommandLine.Spec",
        "picocli.CommandLine.Unmatched", "picocli.CommandLine.ArgGroup", "picocli.CommandLine.ParentCommand"})
public final class CommandModelProcessor extends AbstractProcessor {
    /** Where the annotation records and the hand-written run-time support ({@code Member}, {@code Models}) live. */
    static final String SUPPORT_PACKAGE = "io.jvmm.cli.model";
    private static final String PICOCLI = "picocli.CommandLine";
    /** The member annotations, in the order picocli's TypedMember checks them; each gets a record. */
    private static final List<String> MEMBER_ANNOTATIONS = List.of("Option", "Parameters", "Mixin", "Unmatched", "Spec");

    private boolean recordsWritten;

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        Map<TypeElement, Set<TypeElement>> byTopLevel = new LinkedHashMap<>();
        for (TypeElement annotation : annotations) {
            String name = annotation.getQualifiedName().toString();
            for (Element e : round.getElementsAnnotatedWith(annotation)) {
                if (name.endsWith(".ArgGroup") || name.endsWith(".ParentCommand")) {
                    error(e, "@" + annotation.getSimpleName() + " is not supported by the generated picocli model");
                    continue;
                }
                TypeElement type = e instanceof TypeElement t ? t : (TypeElement) e.getEnclosingElement();
                if (e.getKind() == ElementKind.METHOD && name.endsWith(".Command")) {
                    error(e, "@Command methods are not supported by the generated picocli model");
                    continue;
                }
                byTopLevel.computeIfAbsent(topLevel(type), k -> new LinkedHashSet<>()).add(type);
            }
        }
        if (byTopLevel.isEmpty()) {
            return false;
        }
        if (!recordsWritten) {
            recordsWritten = true;
            writeRecord("Command");
            MEMBER_ANNOTATIONS.forEach(this::writeRecord);
            writeStandardHelp();
        }
        byTopLevel.forEach(this::writeModel);
        return false;
    }

    private static TypeElement topLevel(TypeElement type) {
        Element e = type;
        while (e.getEnclosingElement() instanceof TypeElement outer) {
            e = outer;
        }
        return (TypeElement) e;
    }

    // ---- annotation records ------------------------------------------------------------------------------

    /** {@code record OptionValue(String[] names, ...) implements picocli.CommandLine.Option}: all attributes. */
    private void writeRecord(String simpleName) {
        TypeElement annotation = processingEnv.getElementUtils().getTypeElement(PICOCLI + "." + simpleName);
        List<ExecutableElement> attributes = ElementFilter.methodsIn(annotation.getEnclosedElements());
        String components = attributes.stream()
                .map(a -> a.getReturnType() + " " + a.getSimpleName())
                .collect(Collectors.joining(",\n        "));
        String source = "package " + SUPPORT_PACKAGE + ";\n\n"
                + "/** Generated by " + getClass().getName() + ": the values of one @" + simpleName + ", defaults included. */\n"
                + "public record " + simpleName + "Value(\n        " + components + ") implements " + PICOCLI + "." + simpleName + " {\n"
                + "    @Override\n"
                + "    public Class<? extends java.lang.annotation.Annotation> annotationType() {\n"
                + "        return " + PICOCLI + "." + simpleName + ".class;\n"
                + "    }\n"
                + "}\n";
        write(SUPPORT_PACKAGE + "." + simpleName + "Value", source, annotation);
    }

    /**
     * {@code StandardHelpModel.mixin()}: the options {@code mixinStandardHelpOptions = true} adds ({@code -h},
     * {@code -V}), from the annotations of picocli's own AutoHelpMixin, which picocli would otherwise read by
     * reflection for every command. Its fields are private to picocli and nothing but picocli's parser reads
     * them (help is found from the parse result), so the values are held by the binding.
     */
    private void writeStandardHelp() {
        String mixinClass = PICOCLI + ".AutoHelpMixin";
        TypeElement mixin = processingEnv.getElementUtils().getTypeElement(mixinClass);
        if (mixin == null) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "picocli has no " + mixinClass + " (another picocli version?)");
            return;
        }
        StringBuilder out = new StringBuilder();
        out.append("package ").append(SUPPORT_PACKAGE).append(";\n\n")
                .append("/** Generated by ").append(getClass().getName())
                .append(": the model of picocli's standard help options (-h, -V), built without reflection. */\n")
                .append("@SuppressWarnings({\"unchecked\", \"rawtypes\"})\n")
                .append("final class StandardHelpModel {\n")
                .append("    private StandardHelpModel() {\n    }\n\n")
                .append("    static picocli.CommandLine.Model.CommandSpec mixin() {\n")
                .append("        Object c = Models.instance(").append(str(binaryName(mixin))).append(");\n")
                .append("        picocli.CommandLine.Model.CommandSpec s = picocli.CommandLine.Model.CommandSpec.wrapWithoutInspection(c, Models.FACTORY);\n");
        for (VariableElement f : ElementFilter.fieldsIn(mixin.getEnclosedElements())) {
            AnnotationMirror option = mirror(f, "Option");
            if (option == null) {
                continue;
            }
            TypeMirror t = f.asType();
            String toString = "field " + abbreviate(modifiers(f) + typeName(t) + " " + binaryName(mixin) + "." + f.getSimpleName());
            out.append("        s.add(Models.arg(Member.held(").append(literal(option)).append(", ")
                    .append(str(f.getSimpleName().toString())).append(", ").append(erasure(t)).append(".class, ")
                    .append(str(toString)).append(", c, ").append(t.getKind().isPrimitive() ? zero(t) : "null").append(")));\n");
        }
        out.append("        return s;\n    }\n}\n");
        write(SUPPORT_PACKAGE + ".StandardHelpModel", out.toString(), mixin);
    }

    private static String zero(TypeMirror t) {
        return switch (t.getKind()) {
            case BOOLEAN -> "false";
            case CHAR -> "(char) 0";
            case LONG -> "0L";
            case FLOAT -> "0f";
            case DOUBLE -> "0d";
            case BYTE -> "(byte) 0";
            case SHORT -> "(short) 0";
            default -> "0";
        };
    }

    /** {@code new OptionValue(...)} with every attribute of {@code mirror}, defaults included, in declaration order. */
    private String literal(AnnotationMirror mirror) {
        TypeElement annotation = (TypeElement) mirror.getAnnotationType().asElement();
        Map<? extends ExecutableElement, ? extends AnnotationValue> values =
                processingEnv.getElementUtils().getElementValuesWithDefaults(mirror);
        List<String> args = new ArrayList<>();
        for (ExecutableElement attribute : ElementFilter.methodsIn(annotation.getEnclosedElements())) {
            args.add(value(values.get(attribute), attribute.getReturnType()));
        }
        return "new " + SUPPORT_PACKAGE + "." + annotation.getSimpleName() + "Value(" + String.join(", ", args) + ")";
    }

    private String value(AnnotationValue v, TypeMirror type) {
        return v.accept(new SimpleAnnotationValueVisitor14<String, Void>() {
            @Override
            public String visitString(String s, Void p) {
                return processingEnv.getElementUtils().getConstantExpression(s);
            }

            @Override
            public String visitType(TypeMirror t, Void p) {
                if (t instanceof DeclaredType d && !accessible((TypeElement) d.asElement())) {
                    // picocli's defaults name private classes (NoVersionProvider, NoOpParameterPreprocessor...),
                    // which picocli compares against by identity: look them up by name, without reflection on members.
                    return SUPPORT_PACKAGE + ".Models.type(" + str(binaryName((TypeElement) d.asElement())) + ")";
                }
                return processingEnv.getTypeUtils().erasure(t) + ".class";
            }

            @Override
            public String visitEnumConstant(VariableElement c, Void p) {
                return ((TypeElement) c.getEnclosingElement()).getQualifiedName() + "." + c.getSimpleName();
            }

            @Override
            public String visitArray(List<? extends AnnotationValue> items, Void p) {
                TypeMirror component = ((ArrayType) type).getComponentType();
                String elements = items.stream().map(i -> value(i, component)).collect(Collectors.joining(", "));
                // Raw array creation: Class<? extends X>[] cannot be created generically (the class is @SuppressWarnings).
                return "new " + processingEnv.getTypeUtils().erasure(component) + "[] {" + elements + "}";
            }

            @Override
            public String visitAnnotation(AnnotationMirror a, Void p) {
                throw new IllegalStateException("nested annotation values are not supported: " + a);
            }

            @Override
            protected String defaultAction(Object o, Void p) {
                // boolean, int, long, char...: the constant expression is the Java literal.
                return processingEnv.getElementUtils().getConstantExpression(o);
            }
        }, null);
    }

    // ---- per-class models --------------------------------------------------------------------------------

    private void writeModel(TypeElement top, Set<TypeElement> types) {
        String pkg = processingEnv.getElementUtils().getPackageOf(top).getQualifiedName().toString();
        String modelName = top.getSimpleName() + "Model";
        StringBuilder out = new StringBuilder();
        out.append("package ").append(pkg).append(";\n\n")
                .append("import picocli.CommandLine;\n")
                .append("import picocli.CommandLine.Model.CommandSpec;\n")
                .append("import ").append(SUPPORT_PACKAGE).append(".Member;\n")
                .append("import ").append(SUPPORT_PACKAGE).append(".Models;\n\n")
                .append("/** Generated by ").append(getClass().getName())
                .append(": the picocli models of ").append(top.getQualifiedName())
                .append(" and its nested commands, built without reflection. */\n")
                .append("@SuppressWarnings({\"unchecked\", \"rawtypes\"})\n")
                .append("public final class ").append(modelName).append(" {\n")
                .append("    private ").append(modelName).append("() {\n    }\n");
        for (TypeElement type : types) {
            out.append(specMethod(type));
        }
        out.append("}\n");
        write(pkg + "." + modelName, out.toString(), top);
    }

    private String specMethod(TypeElement type) {
        String cls = type.getQualifiedName().toString();
        StringBuilder m = new StringBuilder();
        m.append("\n    /** The model of {@code ").append(cls).append("}, bound to {@code c}. */\n")
                .append("    public static CommandSpec spec(").append(cls).append(" c) {\n")
                .append("        CommandSpec s = CommandSpec.wrapWithoutInspection(c, Models.FACTORY);\n");
        AnnotationMirror command = mirror(type, "Command");
        boolean standardHelp = false;
        if (command != null) {
            m.append("        s.updateCommandAttributes(").append(literal(command)).append(", Models.FACTORY);\n");
            for (AnnotationValue sub : arrayValue(command, "subcommands")) {
                TypeElement subType = (TypeElement) processingEnv.getTypeUtils().asElement((TypeMirror) sub.getValue());
                AnnotationMirror subCommand = mirror(subType, "Command");
                if (subCommand == null || subType.getKind() != ElementKind.CLASS) {
                    error(type, "subcommand " + subType + " needs @Command in this compilation (the generated model builds it)");
                    continue;
                }
                String subName = (String) attribute(subCommand, "name").getValue();
                m.append("        s.addSubcommand(").append(processingEnv.getElementUtils().getConstantExpression(subName))
                        .append(", new CommandLine(").append(modelOf(subType)).append(".spec(new ")
                        .append(subType.getQualifiedName()).append("())));\n");
            }
            standardHelp = (Boolean) attribute(command, "mixinStandardHelpOptions").getValue();
            TypeMirror versionProvider = (TypeMirror) attribute(command, "versionProvider").getValue();
            TypeElement vp = (TypeElement) processingEnv.getTypeUtils().asElement(versionProvider);
            for (Element e : vp.getEnclosedElements()) {
                if (mirror(e, "Spec") != null) {
                    error(e, "@Spec in a version provider is not supported by the generated picocli model");
                }
            }
        }
        if (type.getSuperclass().getKind() == TypeKind.DECLARED) {
            TypeElement sup = (TypeElement) processingEnv.getTypeUtils().asElement(type.getSuperclass());
            if (!sup.getQualifiedName().contentEquals("java.lang.Object") && hasPicocliMembers(sup)) {
                error(type, "picocli annotations in superclass " + sup + " are not supported by the generated picocli model");
            }
        }
        // picocli's order: fields, then methods, each in declaration order.
        for (VariableElement f : ElementFilter.fieldsIn(type.getEnclosedElements())) {
            member(m, type, f);
        }
        for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
            member(m, type, method);
        }
        if (standardHelp) {   // last, as picocli adds them (#377: after the command's own options)
            m.append("        Models.standardHelpOptions(s);\n");
        }
        m.append("        return s;\n    }\n");
        return m.toString();
    }

    private boolean hasPicocliMembers(TypeElement type) {
        for (Element e : type.getEnclosedElements()) {
            for (String a : MEMBER_ANNOTATIONS) {
                if (mirror(e, a) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    private String modelOf(TypeElement type) {
        TypeElement top = topLevel(type);
        return processingEnv.getElementUtils().getPackageOf(top).getQualifiedName() + "." + top.getSimpleName() + "Model";
    }

    /** One annotated field or method: the statements that add it to {@code s}. */
    private void member(StringBuilder m, TypeElement type, Element e) {
        AnnotationMirror found = null;
        String kind = null;
        for (String a : MEMBER_ANNOTATIONS) {
            AnnotationMirror mirror = mirror(e, a);
            if (mirror != null) {
                if (found != null) {
                    error(e, "both @" + kind + " and @" + a + ": picocli refuses this");
                    return;
                }
                found = mirror;
                kind = a;
            }
        }
        if (found == null) {
            return;
        }
        if (e.getModifiers().contains(Modifier.PRIVATE) || e.getModifiers().contains(Modifier.STATIC)) {
            error(e, "the generated picocli model binds members directly: make this member package-private, not private or static");
            return;
        }
        String anno = literal(found);
        String memberExpr;
        String fieldRef;
        if (e instanceof VariableElement f) {
            if (f.getModifiers().contains(Modifier.FINAL)) {
                error(e, "the generated picocli model assigns this field: it must not be final");
                return;
            }
            TypeMirror t = f.asType();
            fieldRef = "c." + f.getSimpleName();
            String toString = "field " + abbreviate(modifiers(f) + typeName(t) + " " + binaryName(type) + "." + f.getSimpleName());
            memberExpr = "Member.field(" + anno + ", " + str(f.getSimpleName().toString()) + ", "
                    + erasure(t) + ".class, " + generic(t) + ", " + str(toString) + ", c, () -> " + fieldRef
                    + ", v -> " + fieldRef + " = (" + boxed(t) + ") v)";
        } else {
            ExecutableElement method = (ExecutableElement) e;
            if (method.getParameters().size() != 1 || method.getReturnType().getKind() != TypeKind.VOID) {
                error(e, "the generated picocli model supports setter methods (one parameter, void) only");
                return;
            }
            TypeMirror t = method.getParameters().get(0).asType();
            fieldRef = null;
            String toString = "method " + abbreviate(modifiers(method) + "void " + binaryName(type) + "."
                    + method.getSimpleName() + "(" + typeName(t) + ")");
            memberExpr = "Member.setterMethod(" + anno + ", " + str(propertyName(method.getSimpleName().toString())) + ", "
                    + erasure(t) + ".class, " + generic(t) + ", " + str(toString) + ", c, v -> c."
                    + method.getSimpleName() + "((" + boxed(t) + ") v))";
        }
        switch (kind) {
            case "Option", "Parameters" -> m.append("        s.add(Models.arg(").append(memberExpr).append("));\n");
            case "Unmatched" -> m.append("        s.addUnmatchedArgsBinding(Models.unmatched(").append(memberExpr).append("));\n");
            case "Spec" -> {
                String value = attribute(found, "value").getValue().toString();
                if (!value.equals("SELF") || fieldRef == null) {
                    error(e, "only @Spec (SELF) fields are supported by the generated picocli model");
                    return;
                }
                m.append("        s.addSpecElement(").append(memberExpr).append(");\n")
                        .append("        ").append(fieldRef).append(" = s;\n");
            }
            case "Mixin" -> {
                if (fieldRef == null) {
                    error(e, "@Mixin methods are not supported by the generated picocli model");
                    return;
                }
                TypeMirror t = e.asType();
                TypeElement mixinType = (TypeElement) processingEnv.getTypeUtils().asElement(t);
                m.append("        {\n")
                        .append("            Member m = ").append(memberExpr).append(";\n")
                        .append("            if (").append(fieldRef).append(" == null) {\n")
                        .append("                ").append(fieldRef).append(" = new ").append(mixinType.getQualifiedName()).append("();\n")
                        .append("            }\n")
                        .append("            s.addMixin(m.getMixinName(), ").append(modelOf(mixinType)).append(".spec(")
                        .append(fieldRef).append(").withToString(m.getToString()), m);\n")
                        .append("        }\n");
            }
            default -> throw new IllegalStateException(kind);
        }
    }

    // ---- names and types, as picocli's reflection prints them -------------------------------------------

    private static String propertyName(String methodName) {
        String n = methodName.length() > 3 && (methodName.startsWith("get") || methodName.startsWith("set"))
                ? methodName.substring(3) : methodName;
        return n.isEmpty() ? n : Character.toLowerCase(n.charAt(0)) + n.substring(1);
    }

    /** Modifiers as {@code java.lang.reflect.Modifier.toString} orders them, with a trailing space. */
    private static String modifiers(Element e) {
        StringBuilder b = new StringBuilder();
        for (Modifier mod : List.of(Modifier.PUBLIC, Modifier.PROTECTED, Modifier.PRIVATE, Modifier.ABSTRACT,
                Modifier.STATIC, Modifier.FINAL, Modifier.TRANSIENT, Modifier.VOLATILE, Modifier.SYNCHRONIZED,
                Modifier.NATIVE, Modifier.STRICTFP)) {
            if (e.getModifiers().contains(mod)) {
                b.append(mod).append(' ');
            }
        }
        return b.toString();
    }

    /** What picocli's error messages call a member: the JDK's generic string without access modifiers and java.lang. */
    private static String abbreviate(String text) {
        return text.replace("private ", "").replace("protected ", "").replace("public ", "").replace("java.lang.", "");
    }

    /** A type as {@code Type.getTypeName()} prints it: binary names for nested classes. */
    private String typeName(TypeMirror t) {
        if (t instanceof DeclaredType d) {
            String raw = binaryName((TypeElement) d.asElement());
            if (d.getTypeArguments().isEmpty()) {
                return raw;
            }
            return raw + d.getTypeArguments().stream().map(this::typeName).collect(Collectors.joining(",", "<", ">"));
        }
        if (t instanceof ArrayType a) {
            return typeName(a.getComponentType()) + "[]";
        }
        return t.toString();
    }

    /** Whether code in another package can name {@code type}: it and every class enclosing it are public. */
    private static boolean accessible(TypeElement type) {
        for (Element e = type; e instanceof TypeElement t; e = e.getEnclosingElement()) {
            if (!t.getModifiers().contains(Modifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    private String binaryName(TypeElement type) {
        return processingEnv.getElementUtils().getBinaryName(type).toString();
    }

    private String erasure(TypeMirror t) {
        return processingEnv.getTypeUtils().erasure(t).toString();
    }

    /** The type to cast a value to before assigning it: the boxed type of a primitive, else the declared type. */
    private String boxed(TypeMirror t) {
        return t.getKind().isPrimitive()
                ? processingEnv.getTypeUtils().boxedClass((javax.lang.model.type.PrimitiveType) t).getQualifiedName().toString()
                : t.toString();
    }

    /** {@code Models.generic(List.class, String.class)} for a parameterized type, {@code null} otherwise. */
    private String generic(TypeMirror t) {
        if (!(t instanceof DeclaredType d) || d.getTypeArguments().isEmpty()) {
            return "null";
        }
        List<String> args = new ArrayList<>();
        for (TypeMirror arg : d.getTypeArguments()) {
            if (!(arg instanceof DeclaredType a) || !a.getTypeArguments().isEmpty()) {
                error(d.asElement(), "type argument " + arg + " is not supported by the generated picocli model");
                return "null";
            }
            args.add(erasure(arg) + ".class");
        }
        return "Models.generic(" + erasure(t) + ".class, " + String.join(", ", args) + ")";
    }

    private String str(String s) {
        return processingEnv.getElementUtils().getConstantExpression(s);
    }

    // ---- annotation mirrors -------------------------------------------------------------------------------

    private static AnnotationMirror mirror(Element e, String simpleName) {
        for (AnnotationMirror a : e.getAnnotationMirrors()) {
            if (((TypeElement) a.getAnnotationType().asElement()).getQualifiedName().contentEquals(PICOCLI + "." + simpleName)) {
                return a;
            }
        }
        return null;
    }

    private AnnotationValue attribute(AnnotationMirror mirror, String name) {
        for (var entry : processingEnv.getElementUtils().getElementValuesWithDefaults(mirror).entrySet()) {
            if (entry.getKey().getSimpleName().contentEquals(name)) {
                return entry.getValue();
            }
        }
        throw new IllegalArgumentException(name);
    }

    @SuppressWarnings("unchecked")
    private List<? extends AnnotationValue> arrayValue(AnnotationMirror mirror, String name) {
        return (List<? extends AnnotationValue>) attribute(mirror, name).getValue();
    }

    private void write(String className, String source, Element origin) {
        try (Writer w = processingEnv.getFiler().createSourceFile(className, origin).openWriter()) {
            w.write(source);
        } catch (IOException ex) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "cannot write " + className + ": " + ex);
        }
    }

    private void error(Element e, String message) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, message, e);
    }
}
