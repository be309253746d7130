using System;
using System.Reflection;
using Xunit;

namespace RnnGen.Runtime.Tests
{
    public class AttributeTests
    {
        [Theory]
        [InlineData(typeof(RnnModelAttribute), false)]
        [InlineData(typeof(EmbeddingAttribute), false)]
        [InlineData(typeof(InputAttribute), false)]
        [InlineData(typeof(RnnAttribute), true)]
        [InlineData(typeof(LstmAttribute), true)]
        [InlineData(typeof(GruAttribute), true)]
        [InlineData(typeof(DenseAttribute), false)]
        [InlineData(typeof(SoftmaxCrossEntropyAttribute), false)]
        [InlineData(typeof(MeanSquaredErrorAttribute), false)]
        public void AttributesTargetClassesOnly(Type type, bool allowMultiple)
        {
            Assert.True(type.IsSealed);
            AttributeUsageAttribute usage = type.GetCustomAttribute<AttributeUsageAttribute>()!;
            Assert.Equal(AttributeTargets.Class, usage.ValidOn);
            Assert.False(usage.Inherited);
            Assert.Equal(allowMultiple, usage.AllowMultiple);
        }

        [Fact]
        public void RecurrentLayersDefaultToOneLayerAndTanh()
        {
            Assert.Equal(1, new RnnAttribute().Layers);
            Assert.Equal(RnnActivation.Tanh, new RnnAttribute().Activation);
            Assert.Equal(1, new LstmAttribute().Layers);
            Assert.Equal(1, new GruAttribute().Layers);
            Assert.Null(new LstmAttribute().Name);
            var lstm = new LstmAttribute { Hidden = 128, Layers = 2, Name = "lstm" };
            Assert.Equal((128, 2, "lstm"), (lstm.Hidden, lstm.Layers, lstm.Name));
        }
    }
}
