using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RnnGen
{
    /// <summary>
    /// A pickle reader for what <c>torch.save(model.state_dict(), f)</c> writes into <c>data.pkl</c>,
    /// and nothing more. It is not Python's unpickler: it runs no code and knows only the few names a
    /// state_dict refers to (<c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>,
    /// <c>torch._utils._rebuild_parameter</c> and the float storage types); any other name, opcode or
    /// shape of data is a <see cref="WeightFileException"/> that says what was found.
    /// </summary>
    internal sealed class StateDictPickle
    {
        /// <summary>Most values the pickle stack may hold at once (a state_dict's SETITEMS batches hold at most 2,000).</summary>
        private const int MaxStack = 1 << 20;

        private readonly byte[] _data;
        private readonly string _path;
        private int _position;

        private StateDictPickle(byte[] data, string path)
        {
            _data = data;
            _path = path;
        }

        /// <summary>A storage named by a persistent id: the bytes of entry <c>data/{Key}</c> of the archive.</summary>
        internal sealed record Storage(string DType, string Key, long Elements);

        /// <summary>A tensor rebuilt by <c>_rebuild_tensor_v2</c>: a view of a storage.</summary>
        internal sealed record Tensor(Storage Storage, long Offset, long[] Size, long[] Stride);

        /// <summary>A Python global the reader knows.</summary>
        private sealed record Global(string Module, string Name)
        {
            public override string ToString() => Module + "." + Name;
        }

        /// <summary>A dict or OrderedDict, in insertion order.</summary>
        private sealed class Dict
        {
            public List<KeyValuePair<object?, object?>> Items { get; } = new();
        }

        /// <summary>A Python list.</summary>
        private sealed class PickleList
        {
            public List<object?> Items { get; } = new();
        }

        /// <summary>The storage types a state_dict of float tensors uses, and the dtype of each (safetensors' names).</summary>
        private static readonly Dictionary<string, string> s_storages = new(StringComparer.Ordinal)
        {
            ["FloatStorage"] = "F32",
            ["HalfStorage"] = "F16",
            ["BFloat16Storage"] = "BF16",
            ["DoubleStorage"] = "F64",
        };

        /// <summary>
        /// Reads <paramref name="data"/> (the archive's data.pkl) as a state_dict: tensor names in the
        /// order the dict holds them, and their tensors.
        /// </summary>
        public static List<KeyValuePair<string, Tensor>> Read(byte[] data, string path)
        {
            object? root = new StateDictPickle(data, path).Run();
            if (root is not Dict dict)
            {
                throw new WeightFileException($"'{path}' holds {Describe(root)}, not a state_dict (a dict of tensors); save one with torch.save(model.state_dict(), path).");
            }

            var result = new List<KeyValuePair<string, Tensor>>(dict.Items.Count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in dict.Items)
            {
                if (key is not string name)
                {
                    throw new WeightFileException($"'{path}' is a dict with the key {Describe(key)}; a state_dict's keys are parameter names.");
                }

                if (value is not Tensor tensor)
                {
                    throw new WeightFileException($"'{path}': entry '{name}' is {Describe(value)}, not a tensor; a state_dict holds tensors only (save model.state_dict() itself, not a dict around it).", name);
                }

                if (!seen.Add(name))
                {
                    throw new WeightFileException($"'{path}' names the tensor '{name}' twice.", name);
                }

                result.Add(new KeyValuePair<string, Tensor>(name, tensor));
            }

            return result;
        }

        private static string Describe(object? value) => value switch
        {
            null => "None",
            string s => $"the string '{(s.Length > 40 ? s.Substring(0, 40) + "…" : s)}'",
            long => "an integer",
            double => "a float",
            bool => "a bool",
            Tensor => "a tensor",
            Dict => "a dict",
            PickleList => "a list",
            object[] => "a tuple",
            Global g => "the Python object " + g,
            Storage => "a storage",
            _ => "an unsupported value",
        };

        private WeightFileException Malformed(string problem) =>
            new($"'{_path}': data.pkl is not a state_dict this reader accepts: {problem} (at byte {_position.ToString(CultureInfo.InvariantCulture)} of data.pkl).");

        private object? Run()
        {
            var stack = new List<object?>();
            var memo = new Dictionary<long, object?>();
            var marks = new Stack<int>();

            object? Pop()
            {
                if (stack.Count == 0 || (marks.Count > 0 && stack.Count == marks.Peek()))
                {
                    throw Malformed("a value is taken from an empty stack");
                }

                object? value = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                return value;
            }

            object? Top() => stack.Count > 0 && (marks.Count == 0 || stack.Count > marks.Peek()) ? stack[^1] : throw Malformed("a value is read from an empty stack");

            List<object?> PopToMark()
            {
                if (marks.Count == 0)
                {
                    throw Malformed("no MARK to pop to");
                }

                int start = marks.Pop();
                List<object?> items = stack.GetRange(start, stack.Count - start);
                stack.RemoveRange(start, stack.Count - start);
                return items;
            }

            void Push(object? value)
            {
                if (stack.Count >= MaxStack)
                {
                    throw Malformed($"more than {MaxStack} values on the stack");
                }

                stack.Add(value);
            }

            while (true)
            {
                byte op = ReadByte();
                switch (op)
                {
                    case 0x80: // PROTO
                        if (ReadByte() > 5)
                        {
                            throw Malformed("a pickle protocol above 5");
                        }

                        break;
                    case 0x95: // FRAME: a length hint only
                        _ = ReadBytes(8);
                        break;
                    case (byte)'.': // STOP
                        if (stack.Count != 1 || marks.Count != 0)
                        {
                            throw Malformed("the pickle ends with " + stack.Count.ToString(CultureInfo.InvariantCulture) + " values on the stack instead of one");
                        }

                        return stack[0];
                    case (byte)'(': // MARK
                        marks.Push(stack.Count);
                        break;
                    case (byte)'0': // POP
                        _ = Pop();
                        break;
                    case (byte)'1': // POP_MARK
                        _ = PopToMark();
                        break;
                    case (byte)'2': // DUP
                        Push(Top());
                        break;
                    case (byte)'N':
                        Push(null);
                        break;
                    case 0x88: // NEWTRUE
                        Push(true);
                        break;
                    case 0x89: // NEWFALSE
                        Push(false);
                        break;
                    case (byte)'K': // BININT1
                        Push((long)ReadByte());
                        break;
                    case (byte)'M': // BININT2
                        Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2)));
                        break;
                    case (byte)'J': // BININT
                        Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)));
                        break;
                    case 0x8a: // LONG1
                        Push(ReadLong(ReadByte()));
                        break;
                    case (byte)'G': // BINFLOAT
                        Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8)));
                        break;
                    case (byte)'X': // BINUNICODE
                        Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))));
                        break;
                    case 0x8c: // SHORT_BINUNICODE
                        Push(ReadString(ReadByte()));
                        break;
                    case 0x8d: // BINUNICODE8
                        Push(ReadString(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8))));
                        break;
                    case (byte)'U': // SHORT_BINSTRING (Python 2 str, ASCII in practice)
                        Push(ReadString(ReadByte()));
                        break;
                    case (byte)'T': // BINSTRING
                        Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))));
                        break;
                    case (byte)')': // EMPTY_TUPLE
                        Push(Array.Empty<object?>());
                        break;
                    case 0x85: // TUPLE1
                        Push(new[] { Pop() });
                        break;
                    case 0x86: // TUPLE2
                    {
                        object? b = Pop();
                        object? a = Pop();
                        Push(new[] { a, b });
                        break;
                    }

                    case 0x87: // TUPLE3
                    {
                        object? c = Pop();
                        object? b = Pop();
                        object? a = Pop();
                        Push(new[] { a, b, c });
                        break;
                    }

                    case (byte)'t': // TUPLE
                        Push(PopToMark().ToArray());
                        break;
                    case (byte)']': // EMPTY_LIST
                        Push(new PickleList());
                        break;
                    case (byte)'}': // EMPTY_DICT
                        Push(new Dict());
                        break;
                    case (byte)'a': // APPEND
                    {
                        object? value = Pop();
                        List(Top()).Items.Add(value);
                        break;
                    }

                    case (byte)'e': // APPENDS
                    {
                        List<object?> items = PopToMark();
                        List(Top()).Items.AddRange(items);
                        break;
                    }

                    case (byte)'s': // SETITEM
                    {
                        object? value = Pop();
                        object? key = Pop();
                        AsDict(Top()).Items.Add(new KeyValuePair<object?, object?>(key, value));
                        break;
                    }

                    case (byte)'u': // SETITEMS
                    {
                        List<object?> items = PopToMark();
                        if (items.Count % 2 != 0)
                        {
                            throw Malformed("SETITEMS with an odd number of values");
                        }

                        Dict dict = AsDict(Top());
                        for (int i = 0; i < items.Count; i += 2)
                        {
                            dict.Items.Add(new KeyValuePair<object?, object?>(items[i], items[i + 1]));
                        }

                        break;
                    }

                    case (byte)'q': // BINPUT
                        memo[ReadByte()] = Top();
                        break;
                    case (byte)'r': // LONG_BINPUT
                        memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Top();
                        break;
                    case 0x94: // MEMOIZE
                        memo[memo.Count] = Top();
                        break;
                    case (byte)'h': // BINGET
                        Push(Get(memo, ReadByte()));
                        break;
                    case (byte)'j': // LONG_BINGET
                        Push(Get(memo, BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))));
                        break;
                    case (byte)'c': // GLOBAL
                    {
                        string module = ReadLine();
                        string name = ReadLine();
                        Push(Resolve(module, name));
                        break;
                    }

                    case 0x93: // STACK_GLOBAL
                    {
                        object? name = Pop();
                        object? module = Pop();
                        if (module is not string m || name is not string n)
                        {
                            throw Malformed("STACK_GLOBAL without two strings");
                        }

                        Push(Resolve(m, n));
                        break;
                    }

                    case (byte)'Q': // BINPERSID
                        Push(PersistentStorage(Pop()));
                        break;
                    case (byte)'R': // REDUCE
                    {
                        object? arguments = Pop();
                        object? callable = Pop();
                        Push(Reduce(callable, arguments));
                        break;
                    }

                    case (byte)'b': // BUILD: a state_dict's OrderedDict sets its _metadata attribute
                    {
                        object? state = Pop();
                        if (Top() is not Dict || state is not (null or Dict))
                        {
                            throw Malformed("BUILD of something other than a state_dict's metadata");
                        }

                        break;
                    }

                    default:
                        throw Malformed($"opcode 0x{op.ToString("x2", CultureInfo.InvariantCulture)}, which a state_dict does not use");
                }
            }
        }

        private PickleList List(object? value) => value as PickleList ?? throw Malformed("APPEND to something other than a list");

        private Dict AsDict(object? value) => value as Dict ?? throw Malformed("SETITEM on something other than a dict");

        private object? Get(Dictionary<long, object?> memo, long key) =>
            memo.TryGetValue(key, out object? value) ? value : throw Malformed($"memo entry {key.ToString(CultureInfo.InvariantCulture)} is read before it is written");

        private Global Resolve(string module, string name)
        {
            bool known = (module, name) switch
            {
                ("collections", "OrderedDict") => true,
                ("torch._utils", "_rebuild_tensor_v2") => true,
                ("torch._utils", "_rebuild_parameter") => true,
                ("torch", _) => s_storages.ContainsKey(name),
                _ => false,
            };
            if (known)
            {
                return new Global(module, name);
            }

            if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal))
            {
                throw new WeightFileException($"'{_path}' holds a tensor of torch.{name}; the model's weights are floating point (float32, float16, bfloat16 or float64).");
            }

            throw new WeightFileException($"'{_path}' refers to the Python object {module}.{name}, which a state_dict does not use; save the weights with torch.save(model.state_dict(), path) (a whole model, a TorchScript archive or other objects are not read).");
        }

        /// <summary>BINPERSID: ('storage', storage type, key, location, number of elements).</summary>
        private Storage PersistentStorage(object? id)
        {
            if (id is not object?[] { Length: 5 } t || t[0] is not "storage" || t[1] is not Global type || t[2] is not string key
                || t[4] is not long elements || elements < 0)
            {
                throw Malformed("a persistent id that is not a storage");
            }

            if (type.Module != "torch" || !s_storages.TryGetValue(type.Name, out string? dtype))
            {
                throw Malformed($"a storage of type {type}");
            }

            return new Storage(dtype, key, elements);
        }

        private object Reduce(object? callable, object? arguments)
        {
            if (callable is not Global g || arguments is not object?[] args)
            {
                throw Malformed("REDUCE of something other than a known function and its arguments");
            }

            switch (g.Module, g.Name)
            {
                case ("collections", "OrderedDict") when args.Length == 0:
                    return new Dict();
                case ("torch._utils", "_rebuild_tensor_v2") when args.Length is 6 or 7:
                {
                    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                    if (args[0] is not Storage storage || args[1] is not long offset || offset < 0)
                    {
                        throw Malformed("_rebuild_tensor_v2 without a storage and an offset");
                    }

                    long[] size = Longs(args[2], "size");
                    long[] stride = Longs(args[3], "stride");
                    if (size.Length != stride.Length)
                    {
                        throw Malformed("a tensor whose size and stride have different lengths");
                    }

                    return new Tensor(storage, offset, size, stride);
                }

                case ("torch._utils", "_rebuild_parameter") when args.Length is 3 && args[0] is Tensor data:
                    return data;
                default:
                    throw Malformed($"a call of {g} with {args.Length.ToString(CultureInfo.InvariantCulture)} arguments");
            }
        }

        private long[] Longs(object? value, string what)
        {
            if (value is not object?[] tuple)
            {
                throw Malformed($"a tensor {what} that is not a tuple");
            }

            var result = new long[tuple.Length];
            for (int i = 0; i < tuple.Length; i++)
            {
                result[i] = tuple[i] is long v && v >= 0 ? v : throw Malformed($"a tensor {what} that is not a tuple of non-negative integers");
            }

            return result;
        }

        private byte ReadByte()
        {
            if (_position >= _data.Length)
            {
                throw Malformed("the pickle ends before STOP");
            }

            return _data[_position++];
        }

        private ReadOnlySpan<byte> ReadBytes(int count)
        {
            if (_data.Length - _position < count)
            {
                throw Malformed("the pickle ends inside a value");
            }

            var span = new ReadOnlySpan<byte>(_data, _position, count);
            _position += count;
            return span;
        }

        private string ReadString(ulong length)
        {
            if (length > (ulong)(_data.Length - _position))
            {
                throw Malformed("a string longer than the rest of the pickle");
            }

            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(ReadBytes((int)length));
            }
            catch (DecoderFallbackException)
            {
                throw Malformed("a string that is not valid UTF-8");
            }
        }

        private string ReadLine()
        {
            int end = Array.IndexOf(_data, (byte)'\n', _position);
            if (end < 0 || end - _position > 256)
            {
                throw Malformed("a GLOBAL name without its end of line");
            }

            string line = Encoding.ASCII.GetString(_data, _position, end - _position);
            _position = end + 1;
            return line;
        }

        private long ReadLong(int length)
        {
            if (length > 8)
            {
                throw Malformed("an integer wider than 64 bits");
            }

            ReadOnlySpan<byte> bytes = ReadBytes(length);
            long value = 0;
            for (int i = length - 1; i >= 0; i--)
            {
                value = (value << 8) | bytes[i];
            }

            // Two's complement of the given width.
            if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0)
            {
                value -= 1L << (8 * length);
            }

            return value;
        }
    }
}
