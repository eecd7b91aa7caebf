/**
 * Loading one YAML config file into records, all or nothing.
 *
 * <p>Invariants: a file is either bound, validated and checked as a whole, or refused with exactly
 * one {@link dev.nonstop.core.config.ConfigException} naming the file, the YAML key path and the
 * line of the first problem in file order; nobody ever sees a half-read config. Key paths use the
 * names written in YAML ({@code apps.hello.max_memory}, {@code apps.hello.depends_on[0]}), never
 * Java names.
 */
package dev.nonstop.core.config;
