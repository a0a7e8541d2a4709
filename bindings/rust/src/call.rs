//! call.rs -- foreign calls through libffi (`movgc_ffi_call`) whose
//! arguments may be heap objects: each object argument is pinned for the
//! call, so the callee may keep its pointer while it runs, even if it calls
//! back into code that collects.

use std::os::raw::{c_uint, c_void};
use std::ptr;

use crate::error::Error;
use crate::heap::Heap;
use crate::obj::Obj;
use crate::sys;

/// How `movgc_ffi_call` passes a handle: the object or its raw bytes.
const HANDLE_OBJ: u8 = 3; // MOVGC_FFI_HANDLE_OBJ
const HANDLE_DATA: u8 = 4; // MOVGC_FFI_HANDLE_DATA

/// One argument of [`Heap::call`].
#[derive(Debug)]
pub enum Arg<'a> {
    /// A 64-bit integer (`int64_t`, or any integer type passed as one).
    I64(i64),
    /// A `double`.
    F64(f64),
    /// A raw pointer outside the heap.
    Ptr(*mut c_void),
    /// A heap object: the callee gets its (pinned) address.
    Obj(&'a Obj),
    /// A heap object: the callee gets its (pinned) raw bytes.
    Data(&'a Obj),
}

/// The result type of [`Heap::call`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    Void,
    I64,
    F64,
    Ptr,
}

/// The result of [`Heap::call`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Void,
    I64(i64),
    F64(f64),
    Ptr(*mut c_void),
}

#[allow(unused_unsafe)] // needed by older compilers for addr_of_mut!(static)
fn ffi_type_of(ret: Ret) -> *mut sys::ffi_type {
    unsafe {
        match ret {
            Ret::Void => ptr::addr_of_mut!(sys::ffi_type_void),
            Ret::I64 => ptr::addr_of_mut!(sys::ffi_type_sint64),
            Ret::F64 => ptr::addr_of_mut!(sys::ffi_type_double),
            Ret::Ptr => ptr::addr_of_mut!(sys::ffi_type_pointer),
        }
    }
}

impl Heap {
    /// Call the C function `f` with `args`, returning a `ret`.  Object
    /// arguments are pinned for the call (a young one first moves out of
    /// the nursery) and must belong to this heap.  May collect.
    ///
    /// # Safety
    /// `f` must be a C function whose parameters are exactly `args`'
    /// types (`Obj`/`Data`/`Ptr` as pointers) and whose result is `ret`;
    /// it may use the object pointers only until it returns.
    pub unsafe fn call(
        &mut self,
        f: unsafe extern "C" fn(),
        args: &[Arg<'_>],
        ret: Ret,
    ) -> Result<Value, Error> {
        let n = args.len();
        let mut types = Vec::with_capacity(n);
        let mut pass = Vec::with_capacity(n);
        let mut values: Vec<u64> = Vec::with_capacity(n);
        for arg in args {
            let (ty, mode, bits) = match *arg {
                Arg::I64(v) => (Ret::I64, sys::MOVGC_FFI_VALUE, v as u64),
                Arg::F64(v) => (Ret::F64, sys::MOVGC_FFI_VALUE, v.to_bits()),
                Arg::Ptr(p) => (Ret::Ptr, sys::MOVGC_FFI_VALUE, p as usize as u64),
                Arg::Obj(o) | Arg::Data(o) => {
                    self.check_owner(o.inner())?;
                    let mode = if let Arg::Obj(_) = arg { HANDLE_OBJ } else { HANDLE_DATA };
                    (Ret::Ptr, mode, o.handle_id())
                }
            };
            types.push(ffi_type_of(ty));
            pass.push(mode);
            values.push(bits);
        }
        // Every value is 8 bytes, read as its libffi type (an object
        // argument's slot holds a movgc_handle, whose only field is its id).
        let mut avalues: Vec<*mut c_void> = values
            .iter_mut()
            .map(|v| v as *mut u64 as *mut c_void)
            .collect();
        let mut cif: Box<sys::ffi_cif> = Box::new(std::mem::zeroed());
        let code = sys::movgc_ffi_prep(
            self.raw(),
            &mut *cif,
            n as c_uint,
            ffi_type_of(ret),
            types.as_mut_ptr(),
        );
        self.inner.check()?;
        if code != 0 {
            return Err(Error::misuse(format!("movgc_ffi_prep failed ({})", code)));
        }
        let mut result: u64 = 0;
        let code = sys::movgc_ffi_call(
            self.raw(),
            &mut *cif,
            Some(f),
            &mut result as *mut u64 as *mut c_void,
            avalues.as_mut_ptr(),
            pass.as_ptr(),
        );
        self.inner.check()?;
        if code != 0 {
            return Err(Error::misuse(format!("movgc_ffi_call failed ({})", code)));
        }
        Ok(match ret {
            Ret::Void => Value::Void,
            Ret::I64 => Value::I64(result as i64),
            Ret::F64 => Value::F64(f64::from_bits(result)),
            Ret::Ptr => Value::Ptr(result as usize as *mut c_void),
        })
    }
}
