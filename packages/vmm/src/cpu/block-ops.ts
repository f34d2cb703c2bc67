// The kinds of decoded instruction records (block-decoder.ts): what each record's fields mean per kind.

/** Fast operation ids (dense small integers for the executor's switch). */
export const OP = {
  aluRmReg: 1, // aux = ALU kind; rm op= reg
  aluRegRm: 2, // reg op= rm
  aluRmImm: 3, // rm op= imm
  movRmReg: 4,
  movRegRm: 5,
  movRmImm: 6,
  movRegImm: 7,
  incRm: 8,
  decRm: 9,
  pushReg: 10,
  popReg: 11,
  pushImm: 12,
  jcc: 13, // aux = cc; imm = target offset from block start (eip = blockEip + imm)
  jmp: 14,
  call: 15,
  ret: 16, // imm = extra bytes to pop
  lea: 17,
  testRmReg: 18,
  testRmImm: 19,
  shiftImm: 20, // aux = kind, imm = count
  shiftCl: 21,
  movzx8: 22,
  movzx16: 23,
  movsx8: 24,
  movsx16: 25,
  setcc: 26,
  cmovcc: 27,
  xchgRmReg: 28,
  nop: 29,
  loop: 30, // aux: 0 LOOPNE 1 LOOPE 2 LOOP 3 JCXZ
  cwd: 31,
  cbw: 32,
  notRm: 33,
  negRm: 34,
  imulRegRm: 35, // reg = reg * rm (imm: -1 none) / imm3 variants use op imulRegRmImm
  imulRegRmImm: 36,
  clc: 37,
  stc: 38,
  cld: 39,
  std: 40,
  bswap: 41,
  string: 42, // imm = opcode, aux = REP prefix (0 none, 1 REPNE, 2 REP/REPE), seg = override or 255
  fpu: 43, // imm = (escape opcode << 8) | ModRM; memory operand in base/index/disp/seg when rm < 0
  leave: 44,
  callInd: 45, // CALL r/m (near, 32-bit operand size only)
  jmpInd: 46, // JMP r/m (near, 32-bit operand size only)
  pushRm: 47, // PUSH r/m (32-bit operand size only)
  mulDiv: 48, // F6/F7 /4../7: aux = 4 MUL, 5 IMUL, 6 DIV, 7 IDIV of the accumulator by r/m
  sahf: 49, // SF, ZF, AF, PF, CF := AH bits 7, 6, 4, 2, 0 (the x87 FNSTSW AX; SAHF; Jcc compare)
  lahf: 50, // AH := SF:ZF:0:AF:0:PF:1:CF
  // Executed by the full interpreter (execute.ts) at its EIP, inside the block: bit tests, CMPXCHG/XADD/CMPXCHG8B,
  // SHLD/SHRD, BSF/BSR, PUSHF/POPF/CLI/STI — rare in general but common in kernels, where each one used to end
  // the block. aux = 1: an instruction crossing into the next page (which may map anywhere), always the block's
  // last record, whose end is the page end. For the 0F forms imm = second opcode byte << 8 | imm8 (if any), and
  // the ModRM fields are decoded: compiled blocks inline some of them (jit/bit-templates.ts).
  interp: 51,
} as const
