package dev.relive.config;

/**
 * What one source held when a version was read.
 *
 * @param source  the source's name
 * @param stamp   digest (or revision) of the content read; empty when absent
 * @param present false when an optional source was absent
 */
public record SourceStamp(String source, String stamp, boolean present) {}
