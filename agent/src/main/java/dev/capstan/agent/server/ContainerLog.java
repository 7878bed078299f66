package dev.capstan.agent.server;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * One container attempt's log file and whether it may still grow.
 *
 * @param path the CRI-format log file
 * @param active true while the container runs and its pod is on this node; a follow ends once false
 */
public record ContainerLog(Path path, BooleanSupplier active) {}
