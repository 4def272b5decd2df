;; Prototype: softmax cross-entropy (W3) as WebAssembly SIMD, the loop lossc's code generator
;; would emit for a float32 program: per row, max over the row, exp(x - max) four lanes at a
;; time (stored as the gradient and summed), then the scale to softmax / rows and the target
;; class's -1 / rows. exp is the usual f32 reduction 2^n · p(r), p of degree 6 on
;; |r| ≤ ln2/2 (about 2 ulp of float32). Columns must be a multiple of 4.
(module
  (import "env" "log" (func $log (param f64) (result f64)))
  (memory (export "memory") 1)

  ;; exp of four float32 lanes.
  (func $exp4 (param $v v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    ;; keep 2^n representable; exp underflows to 0 below -87.3 and overflows above 88.7 anyway
    (local.set $v (f32x4.max (f32x4.min (local.get $v) (f32x4.splat (f32.const 88.72))) (f32x4.splat (f32.const -87.33))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $v) (f32x4.splat (f32.const 1.44269504)))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $v)
                                        (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
                             (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    ;; p(r) = 1 + r + r²(1/2 + r(1/6 + r(1/24 + r(1/120 + r/720))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.0083333333)) (f32x4.mul (local.get $r) (f32x4.splat (f32.const 0.0013888889)))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.041666667)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.16666667)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.add (f32x4.splat (f32.const 1)) (local.get $r))
                             (f32x4.mul (f32x4.mul (local.get $r) (local.get $r)) (local.get $p))))
    ;; · 2^n, built in the exponent bits
    (f32x4.mul (local.get $p)
               (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; Mean cross-entropy of rows [x: rows × cols float32] against targets [t: rows int32]; the
  ;; gradient with respect to x goes to g. Pointers are byte offsets into memory.
  (func (export "crossEntropy") (param $x i32) (param $t i32) (param $g i32) (param $rows i32) (param $cols i32) (result f64)
    (local $r i32) (local $j i32) (local $o i32) (local $go i32) (local $end i32)
    (local $vm v128) (local $vs v128) (local $e v128) (local $vc v128)
    (local $m f32) (local $s f64) (local $k f64) (local $total f64) (local $tr i32)
    (local.set $k (f64.div (f64.const 1) (f64.convert_i32_s (local.get $rows))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $o (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $go (i32.add (local.get $g) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
        ;; max over the row
        (local.set $vm (f32x4.splat (f32.const -inf)))
        (local.set $j (i32.const 0))
        (loop $max
          (local.set $vm (f32x4.max (local.get $vm) (v128.load (i32.add (local.get $o) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $max (i32.lt_s (local.get $j) (local.get $end))))
        (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $vm)) (f32x4.extract_lane 1 (local.get $vm)))
                               (f32.max (f32x4.extract_lane 2 (local.get $vm)) (f32x4.extract_lane 3 (local.get $vm)))))
        (local.set $vm (f32x4.splat (local.get $m)))
        ;; exp(x - max): stored as the gradient, summed
        (local.set $vs (f32x4.splat (f32.const 0)))
        (local.set $j (i32.const 0))
        (loop $sum
          (local.set $e (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $o) (local.get $j))) (local.get $vm))))
          (v128.store (i32.add (local.get $go) (local.get $j)) (local.get $e))
          (local.set $vs (f32x4.add (local.get $vs) (local.get $e)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $sum (i32.lt_s (local.get $j) (local.get $end))))
        (local.set $s (f64.add (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $vs))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $vs))))
                               (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $vs))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $vs))))))
        ;; softmax / rows, minus 1 / rows at the target class
        (local.set $vc (f32x4.splat (f32.demote_f64 (f64.div (local.get $k) (local.get $s)))))
        (local.set $j (i32.const 0))
        (loop $scale
          (v128.store (i32.add (local.get $go) (local.get $j))
                      (f32x4.mul (v128.load (i32.add (local.get $go) (local.get $j))) (local.get $vc)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $scale (i32.lt_s (local.get $j) (local.get $end))))
        (local.set $tr (i32.shl (i32.load (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
        (f32.store (i32.add (local.get $go) (local.get $tr))
                   (f32.sub (f32.load (i32.add (local.get $go) (local.get $tr))) (f32.demote_f64 (local.get $k))))
        (local.set $total (f64.add (local.get $total)
                                   (f64.sub (f64.add (f64.promote_f32 (local.get $m)) (call $log (local.get $s)))
                                            (f64.promote_f32 (f32.load (i32.add (local.get $o) (local.get $tr)))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
    (f64.mul (local.get $total) (local.get $k))))
