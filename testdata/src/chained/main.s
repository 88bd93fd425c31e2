	.section	__TEXT,__text,regular,pure_instructions
	.globl	_main
	.p2align	2
_main:
	adrp	x8, _ptrs@PAGE
	ldr	x0, [x8, _ptrs@PAGEOFF]
	adrp	x9, _printf@GOTPAGE
	ldr	x9, [x9, _printf@GOTPAGEOFF]
	adrp	x10, _malloc@GOTPAGE
	ldr	x10, [x10, _malloc@GOTPAGEOFF]
	mov	w0, #0
	ret

	.section	__DATA,__data
	.globl	_ptrs
	.p2align	3
_ptrs:
	.quad	_main
	.quad	_ptrs
	.quad	_printf
	.quad	_malloc
	.quad	_main+16
	.space	20000
	.quad	_ptrs+8
	.quad	_free
	.space	40000
	.quad	_main
