/**
 * picocli as its own jar declares it (META-INF/versions/9/module-info.class of info.picocli:picocli): one
 * exported package, java.sql only for its optional java.sql.Time/Timestamp converters.
 */
module info.picocli {
    requires static java.sql;
    exports picocli;
}
