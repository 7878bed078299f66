package dev.capstan.bench.store;

/** One line of the report: what ran against which target, and what it measured. */
record ScenarioResult(String scenario, String target, String measure, double value, String unit) {}
