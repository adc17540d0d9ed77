#pragma once
#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the instructions `nabla_crc32_clmul` needs (PCLMULQDQ and SSE4.1).
int nabla_crc32_clmul_available(void);

/// CRC-32 (ZIP/zlib polynomial) of `length` bytes, continuing from the finished CRC `crc` of earlier bytes
/// (0 to start). `length` must be a multiple of 16 and at least 64; call only when
/// `nabla_crc32_clmul_available()` returns 1.
uint32_t nabla_crc32_clmul(uint32_t crc, const unsigned char *buffer, size_t length);
