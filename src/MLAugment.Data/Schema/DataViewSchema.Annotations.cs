namespace MLAugment.Data;

public sealed partial class DataViewSchema
{
    /// <summary>
    /// Per-column metadata: a one-row "annotation schema" plus a getter per annotation column (e.g. <c>KeyValues</c>,
    /// <c>SlotNames</c>). Immutable; getters must always return the same value.
    /// </summary>
    public sealed class Annotations
    {
        private readonly Delegate[] _getters;

        public Annotations(DataViewSchema schema, Delegate[] getters)
        {
            ArgumentNullException.ThrowIfNull(schema);
            ArgumentNullException.ThrowIfNull(getters);
            if (schema.Count != getters.Length)
                throw new ArgumentException($"Annotations need one getter per column: {schema.Count} columns, {getters.Length} getters.", nameof(getters));
            for (int i = 0; i < getters.Length; i++)
            {
                var expected = typeof(ValueGetter<>).MakeGenericType(schema[i].Type.RawType);
                if (getters[i]?.GetType() != expected)
                    throw new ArgumentException($"Getter for annotation '{schema[i].Name}' must be {expected.Name} of {schema[i].Type.RawType.Name}.", nameof(getters));
            }
            Schema = schema;
            _getters = getters;
        }

        public static Annotations Empty { get; } = new(new DataViewSchema(Array.Empty<DetachedColumn>()), []);

        /// <summary>The annotation columns: one per annotation kind.</summary>
        public DataViewSchema Schema { get; }

        public ValueGetter<TValue> GetGetter<TValue>(Column column)
        {
            if ((uint)column.Index >= (uint)_getters.Length || Schema[column.Index].Name != column.Name || !Schema[column.Index].Type.Equals(column.Type))
                throw new ArgumentException($"Column '{column.Name}' does not belong to this annotation schema.", nameof(column));
            if (_getters[column.Index] is not ValueGetter<TValue> getter)
                throw new InvalidOperationException($"Invalid TValue in GetGetter for annotation '{column.Name}': expected {column.Type.RawType.Name}, got {typeof(TValue).Name}.");
            return getter;
        }

        /// <summary>Reads annotation <paramref name="kind"/>; throws when the column has no such annotation.</summary>
        public void GetValue<TValue>(string kind, ref TValue value)
        {
            var column = Schema.GetColumnOrNull(kind)
                ?? throw new InvalidOperationException($"Annotation '{kind}' not found.");
            GetGetter<TValue>(column)(ref value);
        }

        public override string ToString() => string.Join(", ", Schema.Select(c => c.Name));

        /// <summary>Accumulates annotations; every method checks that the value type matches the declared column type.</summary>
        public sealed class Builder
        {
            private readonly List<(DetachedColumn Column, Delegate Getter)> _items = [];

            public void Add<TValue>(string name, DataViewType type, ValueGetter<TValue> getter, Annotations? annotations = null)
            {
                ArgumentNullException.ThrowIfNull(getter);
                if (type.RawType != typeof(TValue))
                    throw new ArgumentException($"Annotation '{name}' of type {type} needs values of {type.RawType.Name}, got {typeof(TValue).Name}.", nameof(type));
                _items.Add((new DetachedColumn(name, type, annotations), getter));
            }

            public void AddPrimitiveValue<TValue>(string name, PrimitiveDataViewType type, TValue value, Annotations? annotations = null) =>
                Add(name, type, (ref TValue dst) => dst = value, annotations);

            /// <summary>Copies the annotations of <paramref name="annotations"/> whose names pass <paramref name="selector"/>.</summary>
            public void Add(Annotations annotations, Func<string, bool> selector)
            {
                foreach (var c in annotations.Schema)
                    if (selector(c.Name))
                        _items.Add((new DetachedColumn(c), annotations._getters[c.Index]));
            }

            public Annotations ToAnnotations()
            {
                if (_items.Count == 0)
                    return Empty;
                var schema = new DataViewSchema(_items.Select(i => i.Column).ToArray());
                return new Annotations(schema, _items.Select(i => i.Getter).ToArray());
            }
        }
    }
}
