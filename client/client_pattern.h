/* client_pattern.h - the bytes an echo message carries: a deterministic
 * function of (connection number, message sequence, offset), so a
 * corrupted, misordered, shifted or cross-connection echo is caught at
 * the first wrong byte, with no per-connection buffer. */
#ifndef CLIENT_PATTERN_H
#define CLIENT_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* Seed of one message: a 32-bit mix of the connection and sequence. */
static inline uint32_t client_pattern_seed(uint64_t connection, uint32_t seq)
{
	uint64_t x = connection * 0x9E3779B97F4A7C15ull ^
		     ((uint64_t)seq + 1) * 0xC2B2AE3D27D4EB4Full;
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 32;
	return (uint32_t)x;
}

/* Byte at offset of the message with this seed. Varies with the offset
 * (so a shifted stream is caught) and with the seed. */
static inline uint8_t client_pattern_byte(uint32_t seed, uint32_t offset)
{
	uint32_t x = seed ^ (offset * 0x01000193u);
	return (uint8_t)((x >> ((offset & 3u) * 8u)) + offset + (offset >> 8));
}

static inline void client_pattern_fill(uint32_t seed, uint8_t *buf,
				       uint32_t offset, size_t length)
{
	for (size_t i = 0; i < length; i++)
		buf[i] = client_pattern_byte(seed, offset + (uint32_t)i);
}

/* Index of the first byte of buf (at offset in the message) that differs
 * from the pattern, or length when all match. */
static inline size_t client_pattern_check(uint32_t seed, const uint8_t *buf,
					  uint32_t offset, size_t length)
{
	for (size_t i = 0; i < length; i++)
		if (buf[i] != client_pattern_byte(seed, offset + (uint32_t)i))
			return i;
	return length;
}

#endif /* CLIENT_PATTERN_H */
