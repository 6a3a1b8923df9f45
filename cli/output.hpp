// Where a run's output goes: --json PATH|-, --csv PATH|-, the console table, --quiet.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "core/document.hpp"

namespace cxlprobe::cli {

struct output_options {
  std::string json_path;  // "" none, "-" stdout
  std::string csv_path;
  bool quiet = false;
  bool wide = false;  // every column in the console table

  // True when stdout belongs to a machine format, so people's output goes to stderr.
  bool stdout_taken() const { return json_path == "-" || csv_path == "-"; }
};

void add_output_options(CLI::App& app, output_options& out);

// Checks the output paths before anything is measured (a folder that does not exist, a
// directory given as a file, both formats on stdout). Throws usage_error.
void validate_output_options(const output_options& out);

// Writes the JSON and CSV files the options ask for (atomically for regular files).
void write_outputs(const output_options& out, const document& doc);

}  // namespace cxlprobe::cli
