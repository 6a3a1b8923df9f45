#include "cli/app.hpp"

int main(int argc, char** argv) {
  return cxlprobe::cli::run(argc, argv);
}
