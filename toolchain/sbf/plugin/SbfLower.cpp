#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Plugins/PassPlugin.h"
using namespace llvm;
namespace {
struct SbfLower : PassInfoMixin<SbfLower> {
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &) { return PreservedAnalyses::all(); }
};
}
extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "sbf-lower", "0.1", [](PassBuilder &PB) {
    PB.registerPipelineParsingCallback([](StringRef Name, ModulePassManager &MPM, ArrayRef<PassBuilder::PipelineElement>) {
      if (Name == "sbf-lower") { MPM.addPass(SbfLower()); return true; }
      return false; });
  }};
}
