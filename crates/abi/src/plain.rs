//! Plain ABI data: structs that can be copied to and from guest memory as
//! bytes.

/// Types that are plain bytes: no padding, no pointers, valid for any bit
/// pattern. Implement only for `#[repr(C)]` ABI structs whose size and
/// field offsets are checked against the C layout in a test.
///
/// # Safety
/// The implementor guarantees the properties above.
pub unsafe trait Plain: Copy + 'static {
    fn zeroed() -> Self {
        // SAFETY: Plain types are valid for the all-zero bit pattern.
        unsafe { std::mem::zeroed() }
    }

    /// The bytes of the value.
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: Plain types have no padding, so every byte is initialised.
        unsafe {
            std::slice::from_raw_parts(
                self as *const Self as *const u8,
                std::mem::size_of::<Self>(),
            )
        }
    }

    /// The bytes of the value, writable (any pattern is a valid value).
    fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, and any bit pattern written is a valid Self.
        unsafe {
            std::slice::from_raw_parts_mut(
                self as *mut Self as *mut u8,
                std::mem::size_of::<Self>(),
            )
        }
    }
}

macro_rules! plain {
    ($($t:ty),* $(,)?) => {
        // SAFETY: each type listed is an integer, or a #[repr(C)] struct of
        // integers without padding (sizes checked in tests/layout.rs).
        $(unsafe impl $crate::plain::Plain for $t {})*
    };
}

plain!(u8, u16, u32, u64, i32, i64);
// SAFETY: arrays of plain types are plain.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

pub(crate) use plain;
