//===- SbfLower.cpp - make Rust IR acceptable to upstream BPF for SBPF v0 -===//
//
// Upstream LLVM's BPF backend (not Solana's fork) refuses a few things that
// ordinary Rust produces. This module pass, run by opt-22 after -O3 and right
// before llc, rewrites them into IR the backend accepts:
//
//   * mul/udiv/urem/sdiv/srem on integers wider than 64 bits (u128 math)
//       -> calls to __sbf_rt_{mul128,udivmod128,sdivmod128} (runtime.c),
//          which take (lo, hi) halves and return through a stack buffer;
//   * llvm.{u,s}mul.with.overflow.{i64,i128} (checked_mul, overflowing_mul)
//       -> inline 64-bit code (umulo.i64) or __sbf_rt_{smulo64,umulo128,smulo128};
//   * sdiv/srem on <= 64 bits ("unsupported signed division")
//       -> unsigned division of the magnitudes, sign fixed afterwards;
//   * functions needing more than five argument registers, or returning
//     more than 64 bits ("stack arguments are not supported", "only small
//     returns supported") -> trailing arguments move into a stack struct
//     passed by pointer, wide returns into a caller-provided slot, at every
//     call site;
//   * llvm.mem{cpy,move,set} of unknown or large size (the backend would
//     emit a libcall) -> the runtime's sol_mem*_ wrappers.
//
// Finally the runtime helpers lose the `used` marker that kept them alive
// until now, so globaldce drops the ones a program does not call.
//
// Miscompiles here would be silent, so tests/toolchain runs every rewritten
// construct natively and in LiteSVM on the same inputs (differential tests).
//===----------------------------------------------------------------------===//

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Plugins/PassPlugin.h"

using namespace llvm;

namespace {

constexpr unsigned MaxArgRegs = 5;
constexpr uint64_t InlineMemLimit = 64; // bytes the backend may expand inline
const char *const RuntimePrefix = "__sbf_rt_";
const char *const RuntimeLibc[] = {"memcpy", "memmove", "memset", "memcmp", "bcmp"};

bool isRuntime(const Function &F) {
  if (F.getName().starts_with(RuntimePrefix))
    return true;
  for (const char *Name : RuntimeLibc)
    if (F.getName() == Name)
      return true;
  return false;
}

class Lowering {
public:
  explicit Lowering(Module &M)
      : M(M), Ctx(M.getContext()), DL(M.getDataLayout()),
        I64(Type::getInt64Ty(Ctx)), I128(Type::getIntNTy(Ctx, 128)),
        Ptr(PointerType::getUnqual(Ctx)) {}

  bool run() {
    bool Changed = rewriteSignatures();
    for (Function &F : M) {
      if (F.isDeclaration())
        continue;
      Changed |= rewriteInstructions(F);
    }
    Changed |= releaseRuntime();
    return Changed;
  }

private:
  Module &M;
  LLVMContext &Ctx;
  const DataLayout &DL;
  IntegerType *I64;
  IntegerType *I128;
  PointerType *Ptr;
  bool Failed = false;

  void fail(const Function &F, const Twine &What) {
    Ctx.emitError("sbf-lower: in function '" + F.getName() + "': " + What);
    Failed = true;
  }

  Function *helper(StringRef Name, const Function &User) {
    Function *H = M.getFunction(Name);
    if (!H || H->isDeclaration()) {
      fail(User, "runtime helper " + Name + " is missing (is the runtime bitcode linked?)");
      return nullptr;
    }
    return H;
  }

  // ---- helpers for building IR ------------------------------------------

  static AllocaInst *entryAlloca(Function &F, Type *Ty, const Twine &Name) {
    IRBuilder<> EB(&*F.getEntryBlock().getFirstInsertionPt());
    return EB.CreateAlloca(Ty, nullptr, Name);
  }

  Value *lo(IRBuilder<> &B, Value *V) { return B.CreateTrunc(V, I64); }
  Value *hi(IRBuilder<> &B, Value *V) {
    return B.CreateTrunc(B.CreateLShr(V, ConstantInt::get(I128, 64)), I64);
  }
  Value *join(IRBuilder<> &B, Value *Lo, Value *Hi) {
    return B.CreateOr(B.CreateZExt(Lo, I128),
                      B.CreateShl(B.CreateZExt(Hi, I128), ConstantInt::get(I128, 64)));
  }
  Value *word(IRBuilder<> &B, AllocaInst *Buf, unsigned Index) {
    return B.CreateLoad(I64, B.CreateConstInBoundsGEP1_64(I64, Buf, Index));
  }
  // iN (64 < N <= 128) widened to i128
  Value *widen(IRBuilder<> &B, Value *V, bool Signed) {
    if (V->getType() == I128)
      return V;
    return Signed ? B.CreateSExt(V, I128) : B.CreateZExt(V, I128);
  }

  // Calls Helper(lo(a), hi(a), lo(b), hi(b), buf) and returns buf.
  AllocaInst *call128(IRBuilder<> &B, Function &F, Function *Helper, Value *A,
                      Value *Bv, unsigned Words, Value **Ret = nullptr) {
    auto *Buf = entryAlloca(F, ArrayType::get(I64, Words), "sbf.buf");
    Value *R = B.CreateCall(Helper, {lo(B, A), hi(B, A), lo(B, Bv), hi(B, Bv), Buf});
    if (Ret)
      *Ret = R;
    return Buf;
  }

  // Replaces an overflow intrinsic's {value, overflow} result.
  static void replaceOverflow(CallInst *CI, Value *Val, Value *Ovf) {
    IRBuilder<> B(CI);
    SmallVector<User *, 4> Users(CI->users());
    for (User *U : Users) {
      if (auto *EV = dyn_cast<ExtractValueInst>(U); EV && EV->getNumIndices() == 1) {
        EV->replaceAllUsesWith(EV->getIndices()[0] == 0 ? Val : Ovf);
        EV->eraseFromParent();
      }
    }
    if (!CI->use_empty()) {
      Value *Agg = PoisonValue::get(CI->getType());
      Agg = B.CreateInsertValue(Agg, Val, 0);
      Agg = B.CreateInsertValue(Agg, Ovf, 1);
      CI->replaceAllUsesWith(Agg);
    }
    CI->eraseFromParent();
  }

  // ---- instructions --------------------------------------------------------

  bool rewriteInstructions(Function &F) {
    SmallVector<Instruction *, 16> Work;
    for (Instruction &I : instructions(F))
      if (needsLowering(I))
        Work.push_back(&I);
    if (Work.empty())
      return false;
    if (isRuntime(F)) {
      // lowering inside a helper could call the helper itself
      fail(F, "the runtime itself uses an operation that needs lowering");
      return false;
    }
    for (Instruction *I : Work)
      lower(F, I);
    return true;
  }

  bool needsLowering(Instruction &I) {
    if (auto *BO = dyn_cast<BinaryOperator>(&I)) {
      auto *Ty = dyn_cast<IntegerType>(BO->getType());
      if (!Ty)
        return false;
      switch (BO->getOpcode()) {
      case Instruction::SDiv:
      case Instruction::SRem:
        return true;
      case Instruction::Mul:
      case Instruction::UDiv:
      case Instruction::URem:
        return Ty->getBitWidth() > 64;
      case Instruction::Shl:
      case Instruction::LShr:
      case Instruction::AShr:
        // constant amounts expand inline; variable ones become __*ti3 libcalls
        return Ty->getBitWidth() > 64 && !isa<Constant>(BO->getOperand(1));
      default:
        return false;
      }
    }
    if (auto *II = dyn_cast<IntrinsicInst>(&I)) {
      switch (II->getIntrinsicID()) {
      case Intrinsic::umul_with_overflow:
      case Intrinsic::smul_with_overflow:
        return II->getArgOperand(0)->getType()->getIntegerBitWidth() >= 64;
      case Intrinsic::memcpy:
      case Intrinsic::memmove:
      case Intrinsic::memset: {
        auto *Len = dyn_cast<ConstantInt>(II->getArgOperand(2));
        return !Len || Len->getZExtValue() > InlineMemLimit;
      }
      default:
        return false;
      }
    }
    return false;
  }

  void lower(Function &F, Instruction *I) {
    IRBuilder<> B(I);
    if (auto *BO = dyn_cast<BinaryOperator>(I)) {
      unsigned Bits = BO->getType()->getIntegerBitWidth();
      Value *R;
      if (Bits > 128 && Bits <= 256 && BO->getOpcode() == Instruction::Mul) {
        R = lowerMul256(F, B, BO);
      } else if (Bits > 128) {
        fail(F, Twine("integer ") + BO->getOpcodeName() + " wider than 128 bits (i" +
                    Twine(Bits) + ")");
        return;
      } else {
        R = Bits > 64 ? lowerWide(F, B, BO) : lowerSignedDiv(B, BO);
      }
      if (!R)
        return;
      BO->replaceAllUsesWith(R);
      BO->eraseFromParent();
      return;
    }
    auto *II = cast<IntrinsicInst>(I);
    switch (II->getIntrinsicID()) {
    case Intrinsic::umul_with_overflow:
    case Intrinsic::smul_with_overflow:
      lowerMulOverflow(F, B, II);
      return;
    default:
      lowerMem(F, B, II);
    }
  }

  // 65..128-bit mul/div/rem through the runtime, shifts inline.
  Value *lowerWide(Function &F, IRBuilder<> &B, BinaryOperator *BO) {
    Type *Ty = BO->getType();
    auto Op = BO->getOpcode();
    bool Signed = Op == Instruction::SDiv || Op == Instruction::SRem || Op == Instruction::AShr;
    if (Op == Instruction::Shl || Op == Instruction::LShr || Op == Instruction::AShr) {
      Value *R = lowerShift(B, Op, widen(B, BO->getOperand(0), Signed),
                            B.CreateZExtOrTrunc(BO->getOperand(1), I128));
      return Ty == I128 ? R : B.CreateTrunc(R, Ty);
    }
    Value *A = widen(B, BO->getOperand(0), Signed);
    Value *C = widen(B, BO->getOperand(1), Signed);
    Value *R;
    if (Op == Instruction::Mul) {
      Function *H = helper("__sbf_rt_mul128", F);
      if (!H)
        return nullptr;
      AllocaInst *Buf = call128(B, F, H, A, C, 2);
      R = join(B, word(B, Buf, 0), word(B, Buf, 1));
    } else {
      Function *H = helper(Signed ? "__sbf_rt_sdivmod128" : "__sbf_rt_udivmod128", F);
      if (!H)
        return nullptr;
      AllocaInst *Buf = call128(B, F, H, A, C, 4);
      bool Rem = Op == Instruction::URem || Op == Instruction::SRem;
      R = join(B, word(B, Buf, Rem ? 2 : 0), word(B, Buf, Rem ? 3 : 1));
    }
    return Ty == I128 ? R : B.CreateTrunc(R, Ty);
  }

  // 129..256-bit multiply (core's u128 formatting: a 128x128 multiply-high)
  // through memory: __sbf_rt_mul256(a, b, out) on little-endian u64 words.
  Value *lowerMul256(Function &F, IRBuilder<> &B, BinaryOperator *BO) {
    Function *H = helper("__sbf_rt_mul256", F);
    if (!H)
      return nullptr;
    Type *Ty = BO->getType();
    IntegerType *I256 = Type::getIntNTy(Ctx, 256);
    auto *A = entryAlloca(F, I256, "sbf.a");
    auto *C = entryAlloca(F, I256, "sbf.b");
    auto *Out = entryAlloca(F, I256, "sbf.out");
    B.CreateStore(B.CreateZExtOrTrunc(BO->getOperand(0), I256), A);
    B.CreateStore(B.CreateZExtOrTrunc(BO->getOperand(1), I256), C);
    B.CreateCall(H, {A, C, Out});
    return B.CreateTrunc(B.CreateLoad(I256, Out), Ty);
  }

  // A 128-bit shift by S < 128 from 64-bit shifts by S mod 64, all amounts
  // kept below 64 (a 64-bit shift by 64 is poison): the bits crossing halves
  // are (x >> 1) >> (63 - s), which is 0 when s = 0.
  Value *lowerShift(IRBuilder<> &B, Instruction::BinaryOps Op, Value *X, Value *S128) {
    Value *Lo = lo(B, X), *Hi = hi(B, X);
    Value *S = B.CreateAnd(B.CreateTrunc(S128, I64), ConstantInt::get(I64, 63));
    Value *Big = B.CreateICmpNE(B.CreateAnd(B.CreateTrunc(S128, I64), ConstantInt::get(I64, 64)),
                                ConstantInt::get(I64, 0));
    Value *One = ConstantInt::get(I64, 1), *Zero = ConstantInt::get(I64, 0);
    Value *Back = B.CreateSub(ConstantInt::get(I64, 63), S);
    Value *NewLo, *NewHi;
    if (Op == Instruction::Shl) {
      Value *Cross = B.CreateLShr(B.CreateLShr(Lo, One), Back);
      Value *LoS = B.CreateShl(Lo, S);
      NewHi = B.CreateSelect(Big, LoS, B.CreateOr(B.CreateShl(Hi, S), Cross));
      NewLo = B.CreateSelect(Big, Zero, LoS);
    } else {
      Value *Cross = B.CreateShl(B.CreateShl(Hi, One), Back);
      Value *HiS = Op == Instruction::LShr ? B.CreateLShr(Hi, S) : B.CreateAShr(Hi, S);
      Value *Fill = Op == Instruction::LShr ? Zero : B.CreateAShr(Hi, ConstantInt::get(I64, 63));
      NewLo = B.CreateSelect(Big, HiS, B.CreateOr(B.CreateLShr(Lo, S), Cross));
      NewHi = B.CreateSelect(Big, Fill, HiS);
    }
    return join(B, NewLo, NewHi);
  }

  // sdiv/srem on <= 64 bits: |a| / |b| unsigned, then the sign of the result
  // (quotient: sign(a) ^ sign(b); remainder: sign(a)), as truncating division.
  Value *lowerSignedDiv(IRBuilder<> &B, BinaryOperator *BO) {
    Type *Ty = BO->getType();
    Value *A = BO->getOperand(0), *C = BO->getOperand(1);
    if (Ty != I64) {
      A = B.CreateSExt(A, I64);
      C = B.CreateSExt(C, I64);
    }
    Value *Zero = ConstantInt::get(I64, 0);
    Value *NegA = B.CreateICmpSLT(A, Zero);
    Value *NegC = B.CreateICmpSLT(C, Zero);
    Value *AbsA = B.CreateSelect(NegA, B.CreateSub(Zero, A), A);
    Value *AbsC = B.CreateSelect(NegC, B.CreateSub(Zero, C), C);
    Value *R;
    if (BO->getOpcode() == Instruction::SDiv) {
      Value *Q = B.CreateUDiv(AbsA, AbsC);
      R = B.CreateSelect(B.CreateXor(NegA, NegC), B.CreateSub(Zero, Q), Q);
    } else {
      Value *Rm = B.CreateURem(AbsA, AbsC);
      R = B.CreateSelect(NegA, B.CreateSub(Zero, Rm), Rm);
    }
    return Ty == I64 ? R : B.CreateTrunc(R, Ty);
  }

  void lowerMulOverflow(Function &F, IRBuilder<> &B, IntrinsicInst *II) {
    bool Signed = II->getIntrinsicID() == Intrinsic::smul_with_overflow;
    Value *A = II->getArgOperand(0), *C = II->getArgOperand(1);
    unsigned Bits = A->getType()->getIntegerBitWidth();
    Type *I1 = Type::getInt1Ty(Ctx);
    if (Bits == 64 && !Signed) {
      // a*b overflows iff b != 0 and (a*b mod 2^64) / b != a
      Value *P = B.CreateMul(A, C);
      Value *Zero = ConstantInt::get(I64, 0);
      Value *CZero = B.CreateICmpEQ(C, Zero);
      Value *Div = B.CreateSelect(CZero, ConstantInt::get(I64, 1), C);
      Value *Ovf = B.CreateAnd(B.CreateNot(CZero), B.CreateICmpNE(B.CreateUDiv(P, Div), A));
      replaceOverflow(cast<CallInst>(II), P, Ovf);
      return;
    }
    if (Bits == 64) {
      Function *H = helper("__sbf_rt_smulo64", F);
      if (!H)
        return;
      auto *Buf = entryAlloca(F, I64, "sbf.buf");
      Value *Flag = B.CreateCall(H, {A, C, Buf});
      replaceOverflow(cast<CallInst>(II), B.CreateLoad(I64, Buf), B.CreateTrunc(Flag, I1));
      return;
    }
    if (Bits != 128) {
      fail(F, Twine("overflow-checked multiplication of i") + Twine(Bits));
      return;
    }
    Function *H = helper(Signed ? "__sbf_rt_smulo128" : "__sbf_rt_umulo128", F);
    if (!H)
      return;
    Value *Flag;
    AllocaInst *Buf = call128(B, F, H, A, C, 2, &Flag);
    replaceOverflow(cast<CallInst>(II), join(B, word(B, Buf, 0), word(B, Buf, 1)),
                    B.CreateTrunc(Flag, I1));
  }

  void lowerMem(Function &F, IRBuilder<> &B, IntrinsicInst *II) {
    StringRef Name;
    switch (II->getIntrinsicID()) {
    case Intrinsic::memcpy: Name = "__sbf_rt_memcpy"; break;
    case Intrinsic::memmove: Name = "__sbf_rt_memmove"; break;
    default: Name = "__sbf_rt_memset"; break;
    }
    Function *H = helper(Name, F);
    if (!H)
      return;
    Value *Len = B.CreateZExtOrTrunc(II->getArgOperand(2), I64);
    Value *Second = II->getArgOperand(1);
    if (II->getIntrinsicID() == Intrinsic::memset)
      Second = B.CreateZExt(Second, Type::getInt32Ty(Ctx));
    B.CreateCall(H, {II->getArgOperand(0), Second, Len});
    II->eraseFromParent();
  }

  // ---- signatures ------------------------------------------------------------

  unsigned slots(Type *Ty) const {
    uint64_t Bytes = DL.getTypeAllocSize(Ty).getFixedValue();
    return Bytes <= 8 ? 1 : unsigned((Bytes + 7) / 8);
  }

  bool wideReturn(Type *Ty) const {
    if (Ty->isVoidTy())
      return false;
    if (Ty->isAggregateType())
      return true;
    return DL.getTypeSizeInBits(Ty).getFixedValue() > 64;
  }

  // Only functions whose every use is a direct call can change signature.
  static bool onlyCalledDirectly(Function &F) {
    for (Use &U : F.uses()) {
      auto *CB = dyn_cast<CallInst>(U.getUser());
      if (!CB || !CB->isCallee(&U) || CB->getFunctionType() != F.getFunctionType())
        return false;
    }
    return true;
  }

  bool rewriteSignatures() {
    SmallVector<Function *, 8> Work;
    for (Function &F : M) {
      if (F.isDeclaration() || F.isVarArg() || F.getName() == "entrypoint")
        continue;
      unsigned Total = 0;
      for (Argument &A : F.args())
        Total += slots(A.getType());
      if (Total <= MaxArgRegs && !wideReturn(F.getReturnType()))
        continue;
      if (!F.hasLocalLinkage() || !onlyCalledDirectly(F))
        continue; // llc reports it, naming the function
      Work.push_back(&F);
    }
    for (Function *F : Work)
      rewriteSignature(*F);
    return !Work.empty();
  }

  void rewriteSignature(Function &F) {
    FunctionType *FT = F.getFunctionType();
    bool Sret = wideReturn(FT->getReturnType());
    unsigned Avail = MaxArgRegs - (Sret ? 1 : 0);
    unsigned Total = 0;
    for (Type *T : FT->params())
      Total += slots(T);
    // keep leading arguments in registers; the rest go through a struct
    unsigned Kept = FT->getNumParams();
    if (Total > Avail) {
      unsigned Used = 0;
      Kept = 0;
      for (Type *T : FT->params()) {
        if (Used + slots(T) > Avail - 1)
          break;
        Used += slots(T);
        ++Kept;
      }
    }
    for (unsigned I = Kept; I < FT->getNumParams(); ++I)
      if (F.getAttributes().hasParamAttr(I, Attribute::ByVal) ||
          F.getAttributes().hasParamAttr(I, Attribute::InAlloca) ||
          F.getAttributes().hasParamAttr(I, Attribute::Preallocated))
        return; // cannot move a by-value aggregate; llc reports it
    SmallVector<Type *, 8> Spilled(FT->param_begin() + Kept, FT->param_end());
    StructType *Pack = Spilled.empty() ? nullptr : StructType::get(Ctx, Spilled);

    SmallVector<Type *, 8> Params;
    if (Sret)
      Params.push_back(Ptr);
    Params.append(FT->param_begin(), FT->param_begin() + Kept);
    if (Pack)
      Params.push_back(Ptr);
    Type *RetTy = Sret ? Type::getVoidTy(Ctx) : FT->getReturnType();
    auto *NewFT = FunctionType::get(RetTy, Params, false);

    Function *NF = Function::Create(NewFT, F.getLinkage(), F.getAddressSpace(), "", &M);
    M.getFunctionList().remove(NF);
    M.getFunctionList().insert(F.getIterator(), NF);
    NF->takeName(&F);
    NF->setCallingConv(F.getCallingConv());
    // function attributes minus memory effects (the new pointer arguments
    // are read/written); kept parameters keep theirs
    AttributeList Old = F.getAttributes();
    AttrBuilder FnAttrs(Ctx, Old.getFnAttrs());
    FnAttrs.removeAttribute(Attribute::Memory);
    SmallVector<AttributeSet, 8> ParamAttrs;
    if (Sret)
      ParamAttrs.push_back(AttributeSet());
    for (unsigned I = 0; I < Kept; ++I)
      ParamAttrs.push_back(Old.getParamAttrs(I));
    if (Pack)
      ParamAttrs.push_back(AttributeSet());
    NF->setAttributes(AttributeList::get(Ctx, AttributeSet::get(Ctx, FnAttrs),
                                         Sret ? AttributeSet() : Old.getRetAttrs(),
                                         ParamAttrs));

    NF->splice(NF->begin(), &F);
    auto NewArg = NF->arg_begin();
    Argument *SretArg = Sret ? &*NewArg++ : nullptr;
    IRBuilder<> EB(&*NF->getEntryBlock().getFirstInsertionPt());
    SmallVector<Value *, 8> Replacements;
    for (unsigned I = 0; I < Kept; ++I)
      Replacements.push_back(&*NewArg++);
    if (Pack) {
      Argument *PackArg = &*NewArg;
      for (unsigned I = 0; I < Spilled.size(); ++I)
        Replacements.push_back(
            EB.CreateLoad(Spilled[I], EB.CreateStructGEP(Pack, PackArg, I)));
    }
    for (auto [OldArg, New] : zip(F.args(), Replacements)) {
      New->takeName(&OldArg);
      OldArg.replaceAllUsesWith(New);
    }
    if (Sret) {
      SmallVector<ReturnInst *, 4> Rets;
      for (BasicBlock &BB : *NF)
        if (auto *RI = dyn_cast<ReturnInst>(BB.getTerminator()))
          Rets.push_back(RI);
      for (ReturnInst *RI : Rets) {
        IRBuilder<> B(RI);
        B.CreateStore(RI->getReturnValue(), SretArg);
        B.CreateRetVoid();
        RI->eraseFromParent();
      }
    }

    // every call site (recursive ones now live in NF)
    SmallVector<CallInst *, 8> Calls;
    for (User *U : F.users())
      Calls.push_back(cast<CallInst>(U));
    for (CallInst *CI : Calls) {
      Function *Caller = CI->getFunction();
      IRBuilder<> B(CI);
      SmallVector<Value *, 8> Args;
      AllocaInst *RetSlot = nullptr;
      if (Sret) {
        RetSlot = entryAlloca(*Caller, FT->getReturnType(), "sbf.ret");
        Args.push_back(RetSlot);
      }
      for (unsigned I = 0; I < Kept; ++I)
        Args.push_back(CI->getArgOperand(I));
      if (Pack) {
        AllocaInst *Slot = entryAlloca(*Caller, Pack, "sbf.args");
        for (unsigned I = 0; I < Spilled.size(); ++I)
          B.CreateStore(CI->getArgOperand(Kept + I), B.CreateStructGEP(Pack, Slot, I));
        Args.push_back(Slot);
      }
      CallInst *New = B.CreateCall(NF, Args);
      New->setCallingConv(CI->getCallingConv());
      New->setTailCallKind(CallInst::TCK_None); // the callee now reads our allocas
      AttributeList CallOld = CI->getAttributes();
      AttrBuilder CallFn(Ctx, CallOld.getFnAttrs());
      CallFn.removeAttribute(Attribute::Memory);
      SmallVector<AttributeSet, 8> CallParams;
      if (Sret)
        CallParams.push_back(AttributeSet());
      for (unsigned I = 0; I < Kept; ++I)
        CallParams.push_back(CallOld.getParamAttrs(I));
      if (Pack)
        CallParams.push_back(AttributeSet());
      New->setAttributes(AttributeList::get(Ctx, AttributeSet::get(Ctx, CallFn),
                                            Sret ? AttributeSet() : CallOld.getRetAttrs(),
                                            CallParams));
      if (Sret) {
        Value *Loaded = B.CreateLoad(FT->getReturnType(), RetSlot);
        Loaded->takeName(CI);
        CI->replaceAllUsesWith(Loaded);
      } else {
        New->takeName(CI);
        CI->replaceAllUsesWith(New);
      }
      CI->eraseFromParent();
    }
    F.eraseFromParent();
  }

  // ---- runtime release -----------------------------------------------------

  // Drop the runtime from llvm.compiler.used / llvm.used and internalize it,
  // so the following globaldce removes what the program does not call.
  bool releaseRuntime() {
    bool Changed = false;
    for (const char *ListName : {"llvm.compiler.used", "llvm.used"}) {
      GlobalVariable *List = M.getGlobalVariable(ListName);
      if (!List || !List->hasInitializer())
        continue;
      auto *Init = dyn_cast<ConstantArray>(List->getInitializer());
      if (!Init)
        continue;
      SmallVector<Constant *, 16> Keep;
      for (Use &Op : Init->operands()) {
        auto *C = cast<Constant>(Op.get());
        auto *F = dyn_cast<Function>(C->stripPointerCasts());
        if (F && isRuntime(*F))
          continue;
        Keep.push_back(C);
      }
      if (Keep.size() == Init->getNumOperands())
        continue;
      Changed = true;
      List->eraseFromParent();
      if (!Keep.empty()) {
        auto *Ty = ArrayType::get(Ptr, Keep.size());
        auto *GV = new GlobalVariable(M, Ty, false, GlobalValue::AppendingLinkage,
                                      ConstantArray::get(Ty, Keep), ListName);
        GV->setSection("llvm.metadata");
      }
    }
    for (Function &F : M)
      if (!F.isDeclaration() && isRuntime(F) && !F.hasLocalLinkage()) {
        F.setLinkage(GlobalValue::InternalLinkage);
        Changed = true;
      }
    return Changed;
  }

public:
  bool failed() const { return Failed; }
};

struct SbfLowerPass : PassInfoMixin<SbfLowerPass> {
  PreservedAnalyses run(Module &M, ModuleAnalysisManager &) {
    Lowering L(M);
    bool Changed = L.run();
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }
};

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "sbf-lower", "1.0", [](PassBuilder &PB) {
            PB.registerPipelineParsingCallback(
                [](StringRef Name, ModulePassManager &MPM,
                   ArrayRef<PassBuilder::PipelineElement>) {
                  if (Name != "sbf-lower")
                    return false;
                  MPM.addPass(SbfLowerPass());
                  return true;
                });
          }};
}
